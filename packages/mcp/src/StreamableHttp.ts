/**
 * The tools over Streamable HTTP, stateless: every POST gets a server of its own for the user
 * its token names, answers in one JSON body, and nothing outlives it, so no session can be
 * carried from one user to another. The host has authenticated the request and read its body.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import type { UserId } from "@todo/core"
import { makeServer, type ToolRunner } from "./TaskToolServer.js"

export const answer = async (user: UserId, run: ToolRunner, request: Request, body: unknown): Promise<Response> => {
  const server = makeServer(user, run)
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
  await server.connect(transport)
  try {
    return await transport.handleRequest(request, { parsedBody: body })
  } finally {
    await server.close()
  }
}
