/** An answer of the task routes, as it is written to Node: a status, headers and maybe a JSON text. */
import type { ServerResponse } from "node:http"
import type * as Problem from "../problems/Problem.js"

export interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: { readonly contentType: string; readonly text: string } | undefined
}

export const json = (
  body: unknown,
  options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> | undefined } = {},
  contentType = "application/json"
): Reply => ({ status: options.status ?? 200, headers: options.headers, body: { contentType, text: JSON.stringify(body) } })

export const noContent: Reply = { status: 204 }

export const problem = (problem: Problem.Problem): Reply =>
  json(problem.document, { status: problem.document.status, headers: problem.headers }, "application/problem+json")

/**
 * Writes `reply` in one go: the request id and the `cors` headers first, the reply's own win.
 * The headers are gathered into one object with `Object.assign`: an object spread here, on every
 * response, made V8 promote ~300 KB of young garbage to the old generation per scavenge
 * (`--trace-gc-nvp`).
 */
export const write = (
  response: ServerResponse,
  reply: Reply,
  requestId: string,
  cors: Readonly<Record<string, string>>
): void => {
  const headers: Record<string, string | number> = Object.assign({ "x-request-id": requestId }, cors, reply.headers)
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers)
    response.end()
    return
  }
  headers["content-type"] = reply.body.contentType
  headers["content-length"] = Buffer.byteLength(reply.body.text)
  response.writeHead(reply.status, headers)
  response.end(reply.body.text)
}
