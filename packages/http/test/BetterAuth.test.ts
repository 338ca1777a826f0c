import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { JwtVerifier } from "../src/auth/JwtVerifier.js"
import { startBetterAuth, type BetterAuthAlgorithm, type BetterAuthServer } from "./support/BetterAuthServer.js"

const verifierFor = (server: BetterAuthServer) => JwtVerifier.make({ jwksUrl: server.jwksUrl, betterAuthUrl: new URL(server.baseURL) })

const kidOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid

describe.each<BetterAuthAlgorithm>(["EdDSA", "RS256", "ES256"])("tokens from Better Auth 1.7 signing with %s", (alg) => {
  let server: BetterAuthServer
  beforeAll(async () => {
    server = await startBetterAuth({ alg })
  })
  afterAll(() => server.close())

  it.live("the token from GET /api/auth/token names the signed-up user", () =>
    Effect.gen(function*() {
      const { token, userId } = yield* Effect.promise(() => server.signUpAndGetToken())
      const verifier = yield* verifierFor(server)
      expect(yield* verifier.verify(token)).toBe(userId)
    }))

  it.live("after Better Auth rotates its key, the same verifier accepts old and new tokens", () =>
    Effect.gen(function*() {
      const verifier = yield* JwtVerifier.make({
        jwksUrl: server.jwksUrl,
        betterAuthUrl: new URL(server.baseURL),
        jwksCooldown: "100 millis"
      })
      const before = yield* Effect.promise(() => server.signUpAndGetToken())
      expect(yield* verifier.verify(before.token)).toBe(before.userId)
      server.rotateKey()
      const after = yield* Effect.promise(() => server.signUpAndGetToken())
      expect(kidOf(after.token)).not.toBe(kidOf(before.token))
      yield* Effect.sleep("150 millis")
      expect(yield* verifier.verify(after.token)).toBe(after.userId)
      expect(yield* verifier.verify(before.token)).toBe(before.userId)
    }))
})

describe("tokens from another Better Auth", () => {
  let ours: BetterAuthServer
  let theirs: BetterAuthServer
  beforeAll(async () => {
    ;[ours, theirs] = await Promise.all([startBetterAuth(), startBetterAuth()])
  })
  afterAll(() => Promise.all([ours.close(), theirs.close()]))

  it.live("are refused: their keys are not ours", () =>
    Effect.gen(function*() {
      const { token } = yield* Effect.promise(() => theirs.signUpAndGetToken())
      const refused = yield* Effect.flip(Effect.flatMap(verifierFor(ours), (verifier) => verifier.verify(token)))
      expect(refused.reason).toBe("no published key matches the token's key id (kid)")
    }))

  it.live("are refused for their issuer even when their keys are trusted", () =>
    Effect.gen(function*() {
      const { token } = yield* Effect.promise(() => theirs.signUpAndGetToken())
      const verifier = yield* JwtVerifier.make({ jwksUrl: theirs.jwksUrl, betterAuthUrl: new URL(ours.baseURL) })
      expect((yield* Effect.flip(verifier.verify(token))).reason).toMatch(/\(iss\)/)
    }))
})
