/**
 * `/mcp`, the task tools for AI agents over Streamable HTTP, and its protected resource metadata
 * (RFC 9728), answered from Node's request event like the task routes and under the same rules:
 * bearer token, rate limit, body limit, request id, CORS, access log (which never sees a tool's
 * arguments or results). `@todo/mcp`, and the MCP SDK with it, is loaded on the first
 * authenticated POST, so a server that is never asked for it pays nothing for it.
 */
import { type TaskError, Tasks } from "@todo/core"
import { Effect, Option, Runtime } from "effect"
import type { IncomingMessage } from "node:http"
import { Mcp } from "../api/Api.js"
import type { RouteTable } from "../api/RouteTable.js"
import * as BearerAuthentication from "../auth/BearerAuthentication.js"
import type { RequestFacts } from "../edge/AccessLog.js"
import type { CorsPolicy } from "../edge/Cors.js"
import { factsOf, type NodeRoutes, responder } from "../edge/NodeResponder.js"
import * as Reply from "../edge/Reply.js"
import { readJson } from "../edge/RequestBody.js"
import * as Problem from "../problems/Problem.js"
import { InvalidToken, MalformedJson, OriginNotAllowed } from "../problems/RequestErrors.js"
import { originOf } from "./ResourceOrigin.js"

export interface McpRoutesOptions {
  /** `Api`'s routes. */
  readonly routes: RouteTable
  readonly cors: CorsPolicy
  readonly accessLog: boolean
  /** BETTER_AUTH_URL: the authorization server the metadata names, if any. */
  readonly authorizationServer: string | undefined
}

const endpointPath = (name: string): string => {
  const endpoint = Mcp.endpoints[name]
  if (endpoint === undefined) throw new Error(`Api declares no ${name} endpoint`)
  return endpoint.path
}

const MCP_PATH = endpointPath("mcp")
const METADATA_PATHS: ReadonlySet<string> = new Set([endpointPath("protectedResource"), endpointPath("mcpProtectedResource")])
/** Where the metadata of `/mcp` is, relative to the origin (RFC 9728 §3.1: the resource's path appended). */
const MCP_METADATA_PATH = endpointPath("mcpProtectedResource")

/** What the MCP transport reads of a request; no other header reaches the SDK. */
const TRANSPORT_HEADERS = ["accept", "content-type", "mcp-protocol-version", "mcp-session-id"] as const

const originNotAllowed = new OriginNotAllowed()
const missingBody = new MalformedJson({ detail: "The request needs a JSON body." })
const postOnly = Reply.problem(Problem.make(405, "This path answers POST only.", { headers: { allow: "POST" } }))

/** The 401 of `/mcp` tells an MCP client where to learn how to get a token (RFC 9728 §5.1). */
const unauthorized = (error: InvalidToken, origin: string): Reply.Reply => {
  const reply = Reply.problem(Problem.fromError(error))
  const challenge = Problem.bearerChallenge(error, `resource_metadata="${origin}${MCP_METADATA_PATH}"`)
  return { ...reply, headers: { ...reply.headers, "www-authenticate": challenge } }
}

const webRequestOf = (incoming: IncomingMessage): Request => {
  const headers = new Headers()
  for (const name of TRANSPORT_HEADERS) {
    const value = incoming.headers[name]
    if (typeof value === "string") headers.set(name, value)
  }
  // The transport reads no part of the URL that matters here: the request's own is not trusted into it.
  return new Request(`http://localhost${MCP_PATH}`, { method: "POST", headers })
}

const replyOf = async (response: Response): Promise<Reply.Reply> => {
  const text = await response.text()
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== "content-type" && name !== "content-length") headers[name] = value
  })
  return text === ""
    ? { status: response.status, headers }
    : { status: response.status, headers, body: { contentType: response.headers.get("content-type") ?? "application/json", text } }
}

export const make = (options: McpRoutesOptions) =>
  Effect.gen(function*() {
    const authenticate = yield* BearerAuthentication.make
    const runtime = yield* Effect.runtime<Tasks>()
    const respond = responder(Runtime.runFork(runtime), options)
    const runExit = Runtime.runPromiseExit(runtime)
    let host: Promise<typeof import("@todo/mcp")> | undefined

    const metadataOf = (origin: string) =>
      Reply.json({
        resource: `${origin}${MCP_PATH}`,
        ...(options.authorizationServer === undefined ? {} : { authorization_servers: [options.authorizationServer] }),
        bearer_methods_supported: ["header"]
      })

    const toolCall = (incoming: IncomingMessage, facts: RequestFacts) => {
      const origin = originOf(incoming)
      return Effect.gen(function*() {
        const user = yield* authenticate(incoming.headers.authorization, facts, `${origin}${MCP_PATH}`)
        // Stateless: there is no stream to open with GET and no session to end with DELETE.
        if (facts.method !== "POST") return postOnly
        const body = yield* Effect.flatMap(
          readJson(incoming),
          Option.match({
            onNone: () => Effect.fail(missingBody),
            onSome: Effect.succeed
          })
        )
        const mcp = yield* Effect.promise(() => (host ??= import("@todo/mcp")))
        const run = <A>(effect: Effect.Effect<A, TaskError, Tasks>) => runExit(Effect.annotateLogs(effect, "request_id", facts.requestId))
        const response = yield* Effect.promise(() => mcp.answer(user, run, webRequestOf(incoming), body))
        return yield* Effect.promise(() => replyOf(response))
      }).pipe(Effect.catchTag("InvalidToken", (error) => Effect.succeed(unauthorized(error, origin))))
    }

    const routes: NodeRoutes = (incoming, response) => {
      const method = incoming.method ?? "GET"
      const route = options.routes.routeOf((incoming.url ?? "/").split("?", 1)[0]!)
      if (route === MCP_PATH) {
        const origin = incoming.headers.origin
        const refused = origin !== undefined && !options.cors.allows(origin)
        // A preflight from an allowed origin is answered with the other routes' preflights.
        if (method === "OPTIONS" && !refused) return false
        const facts = factsOf(incoming, method, route)
        const answer: Effect.Effect<Reply.Reply, unknown> = refused ? Effect.fail(originNotAllowed) : toolCall(incoming, facts)
        respond(incoming, response, facts, answer)
        return true
      }
      if (route !== undefined && METADATA_PATHS.has(route) && (method === "GET" || method === "HEAD")) {
        respond(incoming, response, factsOf(incoming, method, route), Effect.sync(() => metadataOf(originOf(incoming))))
        return true
      }
      return false
    }
    return routes
  })
