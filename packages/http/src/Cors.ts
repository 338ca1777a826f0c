/**
 * Cross-origin access for the exact origins of `CORS_ORIGINS`, with the `Authorization` header.
 * An allowed origin is echoed (never `*`) so credentials may be allowed; `*` alone opens the API
 * to every origin, and then without credentials.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"

const REQUEST_HEADERS = ["authorization", "content-type", "if-match", "idempotency-key", "x-request-id"]
const RESPONSE_HEADERS = ["etag", "location", "link", "retry-after", "x-request-id", "www-authenticate"]
const PREFLIGHT_CACHE_SECONDS = 600

export const cors = (origins: ReadonlyArray<string>): <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R> => {
  if (origins.length === 0) return (app) => app
  const anyOrigin = origins.includes("*")
  const allowed = new Set(origins)
  return HttpMiddleware.cors({
    allowedOrigins: anyOrigin ? [] : (origin) => allowed.has(origin),
    allowedMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: REQUEST_HEADERS,
    exposedHeaders: RESPONSE_HEADERS,
    credentials: !anyOrigin,
    maxAge: PREFLIGHT_CACHE_SECONDS
  })
}
