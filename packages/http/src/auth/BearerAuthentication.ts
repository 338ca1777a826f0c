/**
 * `Authentication` as `Api` declares it, run by the routes answered from Node's request event
 * (tasks/, mcp/): the user of the request's bearer token, who spends one request of their rate
 * limit. The request's facts learn the user as soon as the token is verified, so a 429 is logged
 * with it.
 */
import type { UserId } from "@todo/core"
import { Effect } from "effect"
import type { AuthenticationFailure } from "../api/Authentication.js"
import { InvalidToken } from "../problems/RequestErrors.js"
import { JwtVerifier } from "./JwtVerifier.js"
import { UserRateLimit } from "./RateLimit.js"

const BEARER = /^bearer[ \t]+(.*)$/is

/**
 * The token of an `Authorization: Bearer <token>` header, the scheme in any case; none for a
 * missing header, another scheme or an empty token (the platform's bearer decoding checks neither
 * the scheme nor tells those apart).
 */
export const bearerToken = (header: string | undefined): string | undefined => {
  const token = header === undefined ? undefined : BEARER.exec(header.trim())?.[1]?.trim()
  return token === undefined || token === "" ? undefined : token
}

const noToken = new InvalidToken({ reason: "no bearer token was sent", tokenSent: false })

/** Why a token was refused, at debug beside the request's access-log line: the reason only, never the token. */
const logRefusal = (refusal: InvalidToken, requestId: string) =>
  Effect.logDebug("bearer token refused").pipe(Effect.annotateLogs({ request_id: requestId, reason: refusal.reason }))

/** `resource`: the URL a JWKS token may also name as its audience (see `JwtVerifier`). */
export type Authenticate = (
  authorization: string | undefined,
  facts: { readonly requestId: string; userId: string | undefined },
  resource?: string
) => Effect.Effect<UserId, AuthenticationFailure>

export const make: Effect.Effect<Authenticate, never, JwtVerifier | UserRateLimit> = Effect.gen(function*() {
  const verifier = yield* JwtVerifier
  const limiter = yield* UserRateLimit
  return (authorization, facts, resource) => {
    const token = bearerToken(authorization)
    if (token === undefined) return Effect.fail(noToken)
    return verifier.verify(token, resource).pipe(
      Effect.tapError((refusal) => logRefusal(refusal, facts.requestId)),
      Effect.flatMap((user) => {
        facts.userId = user
        return Effect.as(limiter.take(user), user)
      })
    )
  }
})
