/**
 * Bearer authentication for every task route: the raw `Authorization` header must be
 * `Bearer <token>` (scheme in any case), and the token must pass the `JwtVerifier`. Once the
 * user is known, their rate limit is spent here too, before any work is done for them.
 */
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect, Layer, Option, Schema } from "effect"
import { CurrentUser } from "./CurrentUser.js"
import { InvalidToken, JwtVerifier } from "./JwtVerifier.js"
import { Declared } from "./Problem.js"
import { UserRateLimit } from "./RateLimit.js"
import { RateLimited } from "./RequestErrors.js"
import { RequestLogEntry } from "./RequestLog.js"

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@todo/http/Authentication", {
  failure: Schema.Union(Declared.InvalidToken, Declared.RateLimited),
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
  Effect.gen(function*() {
    const verifier = yield* JwtVerifier
    const limiter = yield* UserRateLimit
    const admit = (user: CurrentUser["Type"]) =>
      Effect.flatMap(Effect.serviceOption(RequestLogEntry), (entry) => {
        if (Option.isSome(entry)) entry.value.userId = user
        const wait = limiter.take(user)
        return wait === 0 ? Effect.succeed(user) : Effect.fail(new RateLimited({ retryAfterSeconds: wait }))
      })
    return Authentication.of({
      // The platform's bearer decoding neither checks the scheme nor tells a missing header
      // from an empty token, so the raw header is read here instead.
      bearer: () =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          const token = bearerToken(request.headers["authorization"])
          return token === undefined ? Effect.fail(noToken) : Effect.flatMap(verifier.verify(token), admit)
        })
    })
  })
)
