/**
 * Bearer authentication for every task route: the raw `Authorization` header must be
 * `Bearer <token>` (scheme in any case), and the token must pass the `JwtVerifier`.
 */
import { HttpApiMiddleware, HttpApiSecurity, HttpServerRequest } from "@effect/platform"
import { Effect, Layer } from "effect"
import { CurrentUser } from "./CurrentUser.js"
import { InvalidToken, JwtVerifier } from "./JwtVerifier.js"
import { Declared } from "./Problem.js"

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@todo/http/Authentication", {
  failure: Declared.InvalidToken,
  provides: CurrentUser,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const BEARER = /^bearer[ \t]+(.*)$/is

const noToken = new InvalidToken({ reason: "no bearer token was sent", tokenSent: false })

/** The token of a `Bearer` header; none for a missing header, another scheme or an empty token. */
export const bearerToken = (header: string | undefined): string | undefined => {
  const token = header === undefined ? undefined : BEARER.exec(header.trim())?.[1]?.trim()
  return token === undefined || token === "" ? undefined : token
}

export const layer = Layer.effect(
  Authentication,
  Effect.map(JwtVerifier, (verifier) =>
    Authentication.of({
      // The platform's bearer decoding neither checks the scheme nor tells a missing header
      // from an empty token, so the raw header is read here instead.
      bearer: () =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const token = bearerToken(request.headers["authorization"])
          return token === undefined ? Effect.fail(noToken) : verifier.verify(token)
        })
    }))
)
