/**
 * Bearer authentication of the task routes. The tag declares it on `Api` (the OpenAPI security
 * scheme and its 401/429 problems); `TaskRoutes` enforces it: the raw `Authorization` header
 * must be `Bearer <token>` (scheme in any case), and the token must pass the `JwtVerifier`.
 */
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import { Schema } from "effect"
import { CurrentUser } from "./CurrentUser.js"
import { Declared } from "../problems/Problem.js"

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@todo/http/Authentication", {
  failure: Schema.Union(Declared.InvalidToken, Declared.RateLimited),
  provides: CurrentUser,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const BEARER = /^bearer[ \t]+(.*)$/is

/**
 * The token of a `Bearer` header; none for a missing header, another scheme or an empty token
 * (the platform's bearer decoding checks neither the scheme nor tells those apart).
 */
export const bearerToken = (header: string | undefined): string | undefined => {
  const token = header === undefined ? undefined : BEARER.exec(header.trim())?.[1]?.trim()
  return token === undefined || token === "" ? undefined : token
}
