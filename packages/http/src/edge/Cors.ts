/**
 * Cross-origin access for the exact origins of `CORS_ORIGINS`, with the `Authorization` header.
 * An allowed origin is echoed (never `*`) so credentials may be allowed; `*` alone opens the API
 * to every origin, and then without credentials.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"

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

const none: CorsPolicy = { middleware: (app) => app, responseHeaders: () => ({}), allows: () => false }

export const policy = (origins: ReadonlyArray<string>): CorsPolicy => {
  if (origins.length === 0) return none
  const anyOrigin = origins.includes("*")
  const allowed = new Set(origins)
  const middleware = HttpMiddleware.cors({
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
  return {
    middleware,
    allows: (origin) => anyOrigin || allowed.has(origin),
    responseHeaders: (origin) =>
      origin !== undefined && !anyOrigin && allowed.has(origin)
        ? Object.assign({ "access-control-allow-origin": origin, vary: "Origin" }, always)
        : always
  }
}
