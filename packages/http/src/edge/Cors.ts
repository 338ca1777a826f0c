/**
 * Cross-origin access for the exact origins of `CORS_ORIGINS`, with the `Authorization` header.
 * An allowed origin is echoed (never `*`) so credentials may be allowed; `*` alone opens the API
 * to every origin, and then without credentials.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import * as Problem from "../problems/Problem.js"

// The MCP transport's session and version headers are for `/mcp`; harmless on the other routes.
const REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "if-match",
  "idempotency-key",
  "last-event-id",
  "x-request-id",
  "mcp-session-id",
  "mcp-protocol-version"
]
const RESPONSE_HEADERS = ["etag", "location", "link", "retry-after", "x-request-id", "www-authenticate", "mcp-session-id"]
const PREFLIGHT_CACHE_SECONDS = 600

export interface CorsPolicy {
  /** For the routes HttpApi serves, preflight requests included. */
  readonly middleware: <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R>
  /** The headers the middleware puts on an actual (not preflight) response, for the task routes. */
  readonly responseHeaders: (origin: string | undefined) => Readonly<Record<string, string>>
  /** Whether `origin` (an `Origin` header) is one `CORS_ORIGINS` lets in. */
  readonly allows: (origin: string) => boolean
}

/** An origin is echoed in the answer only if it looks like one, and never at length. */
const ORIGIN_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/[^\s,"]{1,253}$/i

/**
 * A browser's preflight from an origin the policy does not let in: answered with why and how to
 * allow it, where the platform would answer 405 (no policy) or a bare 204 the browser refuses.
 */
const refusedPreflight = (origin: string, configured: boolean): HttpServerResponse.HttpServerResponse => {
  const named = ORIGIN_SHAPE.test(origin) ? `The origin ${origin}` : "This origin"
  const how = configured
    ? "CORS_ORIGINS does not list it; the server's operator allows it by adding it to CORS_ORIGINS"
    : "CORS_ORIGINS is not set, so no browser origin is; the server's operator allows one by setting CORS_ORIGINS"
  return Problem.toResponse(
    Problem.make(
      403,
      `${named} is not allowed to call this API from a browser: ${how} (comma-separated exact origins, e.g. https://app.example.com).`
    )
  )
}

const refusingPreflights = (allows: (origin: string) => boolean, configured: boolean) => <E, R>(app: HttpApp.Default<E, R>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request): HttpApp.Default<E, R> => {
    const origin = request.headers["origin"]
    const preflight = request.method === "OPTIONS" && origin !== undefined && request.headers["access-control-request-method"] !== undefined
    return preflight && !allows(origin) ? Effect.succeed(refusedPreflight(origin, configured)) : app
  })

const none: CorsPolicy = { middleware: refusingPreflights(() => false, false), responseHeaders: () => ({}), allows: () => false }

export const policy = (origins: ReadonlyArray<string>): CorsPolicy => {
  if (origins.length === 0) return none
  const anyOrigin = origins.includes("*")
  const allowed = new Set(origins)
  const allows = (origin: string) => anyOrigin || allowed.has(origin)
  const cors = HttpMiddleware.cors({
    allowedOrigins: anyOrigin ? [] : (origin) => allowed.has(origin),
    allowedMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: RESPONSE_HEADERS,
    credentials: !anyOrigin,
    maxAge: PREFLIGHT_CACHE_SECONDS
  })
  const always: Record<string, string> = anyOrigin
    ? { "access-control-allow-origin": "*" }
    : { "access-control-allow-credentials": "true" }
  always["access-control-expose-headers"] = RESPONSE_HEADERS.join(",")
  const refusing = refusingPreflights(allows, true)
  return {
    middleware: (app) => refusing(cors(app)),
    allows,
    responseHeaders: (origin) =>
      origin !== undefined && !anyOrigin && allowed.has(origin)
        ? Object.assign({ "access-control-allow-origin": origin, vary: "Origin" }, always)
        : always
  }
}
