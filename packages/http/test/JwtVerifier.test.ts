import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Tokens } from "@todo/testing"
import { Duration, Effect, Redacted } from "effect"
import { exportSPKI } from "jose"
import { JwtVerifier, type AuthSettings } from "../src/auth/JwtVerifier.js"

const secret = "a-shared-secret-of-at-least-32-bytes-0123"
const betterAuthUrl = new URL("https://auth.example.com/")
const origin = "https://auth.example.com"
const algorithms: ReadonlyArray<Tokens.SigningAlgorithm> = ["EdDSA", "ES256", "ES512", "RS256", "PS256"]

const secretOnly: AuthSettings = { secret: Redacted.make(secret) }

const verify = (settings: AuthSettings, token: string) => Effect.flatMap(JwtVerifier.make(settings), (verifier) => verifier.verify(token))

/** The refusal's reason, after checking it is an `InvalidToken` that does not echo the token. */
const refusal = (settings: AuthSettings, token: string) =>
  verify(settings, token).pipe(
    Effect.flip,
    Effect.map((error) => {
      expect(error._tag).toBe("InvalidToken")
      expect(error.tokenSent).toBe(true)
      if (token.length > 0) expect(error.reason).not.toContain(token)
      return error.reason
    })
  )

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const inAMinute = () => Math.floor(Date.now() / 1000) + 60

describe("JwtVerifier, HS256 with the shared secret", () => {
  const mint = (options?: Tokens.TokenOptions) => Effect.promise(() => Tokens.mintHs256(secret, options))

  it.live("accepts a valid token and names its subject", () =>
    Effect.gen(function*() {
      const token = yield* mint({ subject: "KUafZppGV5qruNxXjfewlTzjn3XasAro" })
      expect(yield* verify(secretOnly, token)).toBe("KUafZppGV5qruNxXjfewlTzjn3XasAro")
    }))

  it.live("without sub, the user is user_id", () =>
    Effect.gen(function*() {
      const token = yield* mint({ claims: { user_id: "from-user-id", id: "from-id" } })
      expect(yield* verify(secretOnly, token)).toBe("from-user-id")
    }))

  it.live("without sub and user_id, the user is id", () =>
    Effect.gen(function*() {
      expect(yield* verify(secretOnly, yield* mint({ claims: { id: "from-id" } }))).toBe("from-id")
    }))

  it.live("sub wins over user_id and id", () =>
    Effect.gen(function*() {
      const token = yield* mint({ subject: "from-sub", claims: { user_id: "from-user-id", id: "from-id" } })
      expect(yield* verify(secretOnly, token)).toBe("from-sub")
    }))

  it.live("a token naming no user is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ claims: { name: "nobody" } }))).toMatch(/no user/)
    }))

  it.live("an empty sub is refused rather than falling back", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ subject: "", claims: { id: "someone" } }))).toMatch(/no user/)
    }))

  it.live("a non-string user is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ claims: { user_id: 42 } }))).toMatch(/no user/)
    }))

  it.live("a token without exp is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ subject: "u1", expiresAt: null }))).toBe("the token has no expiry (exp) claim")
    }))

  it.live("an expired token is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ subject: "u1", expiresAt: "-10s" }))).toMatch(/expired/)
    }))

  it.live("a token expired within the clock tolerance is accepted", () =>
    Effect.gen(function*() {
      const token = yield* mint({ subject: "u1", expiresAt: "-3s" })
      expect(yield* verify({ ...secretOnly, clockToleranceSeconds: 5 }, token)).toBe("u1")
      yield* refusal({ ...secretOnly, clockToleranceSeconds: 0 }, token)
    }))

  it.live("a token not yet valid (nbf beyond the tolerance) is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ subject: "u1", notBefore: "30s" }))).toBe(
        "the token is not valid yet (nbf is in the future)"
      )
      expect(yield* verify(secretOnly, yield* mint({ subject: "u1", notBefore: "3s" }))).toBe("u1")
    }))

  it.live("a token issued in the future (iat beyond the tolerance) is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(secretOnly, yield* mint({ subject: "u1", issuedAt: "30s" }))).toMatch(/\(iat\)/)
    }))

  it.live("requests arriving at once with one new token share its check, and each gets its answer", () =>
    Effect.gen(function*() {
      const verifier = yield* JwtVerifier.make(secretOnly)
      const good = yield* mint({ subject: "burst" })
      const forged = yield* Effect.promise(() => Tokens.mintHs256("another-secret-of-at-least-32-bytes-xyz", { subject: "burst" }))
      const burst = (token: string) =>
        Effect.all(Array.from({ length: 8 }, () => Effect.either(verifier.verify(token))), { concurrency: "unbounded" })
      const [accepted, refused] = yield* Effect.all([burst(good), burst(forged)], { concurrency: 2 })
      expect(accepted.map((result) => result._tag === "Right" && result.right)).toEqual(Array(8).fill("burst"))
      expect(refused.map((result) => result._tag === "Left" && result.left.reason)).toEqual(
        Array(8).fill("the signature does not verify: the token was signed with another secret or key")
      )
      // Once settled, the same token is checked again from scratch, not answered from the shared check.
      expect((yield* Effect.flip(verifier.verify(forged))).reason).toBe(
        "the signature does not verify: the token was signed with another secret or key"
      )
    }))

  it.live("a token signed with another secret is refused", () =>
    Effect.gen(function*() {
      const token = yield* Effect.promise(() => Tokens.mintHs256("another-secret-of-at-least-32-bytes-xyz", { subject: "u1" }))
      expect(yield* refusal(secretOnly, token)).toMatch(/signature/)
    }))

  it.live("iss and aud are not required of HS256 tokens unless configured", () =>
    Effect.gen(function*() {
      const token = yield* mint({ subject: "u1", issuer: "https://anything", audience: "whatever" })
      expect(yield* verify({ ...secretOnly, betterAuthUrl }, token)).toBe("u1")
    }))

  it.live("an explicitly configured issuer and audience are required of HS256 tokens", () =>
    Effect.gen(function*() {
      const settings = { ...secretOnly, issuer: "https://issuer.test", audience: "api://todo" }
      expect(yield* verify(settings, yield* mint({ subject: "u1", issuer: "https://issuer.test", audience: "api://todo" })))
        .toBe("u1")
      expect(yield* refusal(settings, yield* mint({ subject: "u1", issuer: "https://evil.test", audience: "api://todo" })))
        .toMatch(/\(iss\)/)
      expect(yield* refusal(settings, yield* mint({ subject: "u1", issuer: "https://issuer.test" }))).toMatch(/\(aud\)/)
    }))

  it.live("alg none is refused", () =>
    Effect.gen(function*() {
      const unsigned = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub: "u1", exp: inAMinute() })}.`
      expect(yield* refusal(secretOnly, unsigned)).toMatch(/algorithm/)
    }))

  it.live("an asymmetric token is refused when only the secret is on", () =>
    Effect.gen(function*() {
      const key = yield* Effect.promise(() => Tokens.generateSigningKey("RS256"))
      const token = yield* Effect.promise(() => key.sign({ subject: "u1" }))
      expect(yield* refusal(secretOnly, token)).toMatch(/algorithm/)
    }))

  it.live.each(["", "garbage", "a.b.c", "...", `${base64url("x")}.e30.sig`, "Bearer x.y.z"])(
    "garbage %j is refused",
    (garbage) =>
      Effect.gen(function*() {
        expect(yield* refusal(secretOnly, garbage)).toMatch(/malformed|algorithm/)
      })
  )
})

describe("JwtVerifier, Better Auth's JWKS", () => {
  const keys = new Map<Tokens.SigningAlgorithm, Tokens.SigningKey>()
  let jwks: Tokens.JwksServer
  let jwksOnly: AuthSettings
  const valid = { subject: "u1", issuer: origin, audience: origin }
  const key = (alg: Tokens.SigningAlgorithm) => keys.get(alg)!
  const sign = (alg: Tokens.SigningAlgorithm, options: Tokens.TokenOptions = valid) => Effect.promise(() => key(alg).sign(options))

  beforeAll(async () => {
    for (const alg of algorithms) keys.set(alg, await Tokens.generateSigningKey(alg))
    jwks = await Tokens.serveJwks([...keys.values()])
    jwksOnly = { jwksUrl: jwks.url, betterAuthUrl }
  })
  afterAll(() => jwks.close())

  it.live.each(algorithms)("accepts a valid %s token", (alg) =>
    Effect.gen(function*() {
      expect(yield* verify(jwksOnly, yield* sign(alg))).toBe("u1")
    }))

  it.live("iss and aud default to Better Auth's origin", () =>
    Effect.gen(function*() {
      expect(yield* refusal(jwksOnly, yield* sign("EdDSA", { ...valid, issuer: "https://evil.test" }))).toMatch(/\(iss\)/)
      expect(yield* refusal(jwksOnly, yield* sign("EdDSA", { ...valid, audience: "https://evil.test" }))).toMatch(/\(aud\)/)
      expect(yield* refusal(jwksOnly, yield* sign("EdDSA", { subject: "u1", issuer: origin }))).toMatch(/\(aud\)/)
      expect(yield* refusal(jwksOnly, yield* sign("EdDSA", { ...valid, issuer: `${origin}/` }))).toMatch(/\(iss\)/)
    }))

  it.live("without BETTER_AUTH_URL, iss and aud default to the JWKS URL's origin", () =>
    Effect.gen(function*() {
      const own = jwks.url.origin
      const token = yield* sign("ES256", { subject: "u1", issuer: own, audience: own })
      expect(yield* verify({ jwksUrl: jwks.url }, token)).toBe("u1")
    }))

  it.live("JWT_ISSUER and JWT_AUDIENCE override the defaults", () =>
    Effect.gen(function*() {
      const settings = { ...jwksOnly, issuer: "https://issuer.test", audience: "api://todo" }
      const token = yield* sign("EdDSA", { subject: "u1", issuer: "https://issuer.test", audience: ["api://todo", "x"] })
      expect(yield* verify(settings, token)).toBe("u1")
      expect(yield* refusal(settings, yield* sign("EdDSA"))).toMatch(/\(iss\)/)
    }))

  it.live("a token without exp is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(jwksOnly, yield* sign("ES256", { ...valid, expiresAt: null }))).toMatch(/\(exp\)/)
    }))

  it.live("an expired token is refused", () =>
    Effect.gen(function*() {
      expect(yield* refusal(jwksOnly, yield* sign("RS256", { ...valid, expiresAt: "-1h" }))).toMatch(/expired/)
    }))

  it.live("the user_id fallback applies to JWKS tokens too", () =>
    Effect.gen(function*() {
      const token = yield* sign("PS256", { issuer: origin, audience: origin, claims: { user_id: "u2" } })
      expect(yield* verify(jwksOnly, token)).toBe("u2")
    }))

  it.live("an HS256 token is refused when only the JWKS is on", () =>
    Effect.gen(function*() {
      const token = yield* Effect.promise(() => Tokens.mintHs256(secret, valid))
      expect(yield* refusal(jwksOnly, token)).toMatch(/algorithm/)
    }))

  it.live("an HS256 token keyed with the public key's PEM is refused", () =>
    Effect.gen(function*() {
      const pem = yield* Effect.promise(() => exportSPKI(key("RS256").publicKey))
      const token = yield* Effect.promise(() => Tokens.mintHs256(pem, { ...valid, kid: key("RS256").kid }))
      expect(yield* refusal(jwksOnly, token)).toMatch(/algorithm/)
      expect(yield* refusal({ ...jwksOnly, ...secretOnly }, token)).toMatch(/signature/)
    }))

  it.live("an HS256 token keyed with the public JWK is refused", () =>
    Effect.gen(function*() {
      for (const alg of algorithms) {
        const token = yield* Effect.promise(() => Tokens.mintHs256(JSON.stringify(key(alg).publicJwk), { ...valid, kid: key(alg).kid }))
        yield* refusal(jwksOnly, token)
        yield* refusal({ ...jwksOnly, ...secretOnly }, token)
      }
    }))

  it.live("a token signed with an attacker's key under a published kid is refused", () =>
    Effect.gen(function*() {
      const attacker = yield* Effect.promise(() => Tokens.generateSigningKey("ES256", key("ES256").kid))
      expect(yield* refusal(jwksOnly, yield* Effect.promise(() => attacker.sign(valid)))).toMatch(/signature/)
    }))

  it.live("a token claiming another published key's algorithm is refused", () =>
    Effect.gen(function*() {
      const token = yield* sign("ES256", { ...valid, kid: key("EdDSA").kid })
      yield* refusal(jwksOnly, token)
    }))

  it.live("alg none is refused", () =>
    Effect.gen(function*() {
      const header = { alg: "none", kid: key("EdDSA").kid }
      const unsigned = `${base64url(header)}.${base64url({ sub: "u1", exp: inAMinute(), iss: origin, aud: origin })}.`
      expect(yield* refusal({ ...jwksOnly, ...secretOnly }, unsigned)).toMatch(/algorithm/)
    }))

  it.live("with both modes on, both kinds of token are accepted by one verifier", () =>
    Effect.gen(function*() {
      const verifier = yield* JwtVerifier.make({ ...jwksOnly, ...secretOnly })
      expect(yield* verifier.verify(yield* Effect.promise(() => Tokens.mintHs256(secret, { subject: "h" })))).toBe("h")
      expect(yield* verifier.verify(yield* sign("EdDSA", { ...valid, subject: "e" }))).toBe("e")
    }))
})

describe("JwtVerifier, key rotation and JWKS outages", () => {
  const serve = (keys: ReadonlyArray<Tokens.SigningKey>) =>
    Effect.acquireRelease(Effect.promise(() => Tokens.serveJwks(keys)), (server) => Effect.promise(() => server.close()))
  const generate = () => Effect.promise(() => Tokens.generateSigningKey("EdDSA"))
  const signed = (key: Tokens.SigningKey) => Effect.promise(() => key.sign({ subject: "u1", issuer: origin, audience: origin }))
  const settingsFor = (server: Tokens.JwksServer, overrides: Partial<AuthSettings> = {}): AuthSettings => ({
    jwksUrl: server.url,
    betterAuthUrl,
    ...overrides
  })

  it.scopedLive("keys are fetched once and cached", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server))
      const token = yield* signed(key)
      for (let i = 0; i < 5; i++) yield* verifier.verify(token)
      expect(server.requests()).toBe(1)
    }))

  it.scopedLive("an unknown kid after the cooldown triggers one refetch, and the rotated key is accepted", () =>
    Effect.gen(function*() {
      const [oldKey, newKey] = [yield* generate(), yield* generate()]
      const server = yield* serve([oldKey])
      const verifier = yield* JwtVerifier.make(settingsFor(server, { jwksCooldown: Duration.millis(200) }))
      yield* verifier.verify(yield* signed(oldKey))
      server.publish([oldKey, newKey])
      yield* Effect.sleep(Duration.millis(250))
      expect(yield* verifier.verify(yield* signed(newKey))).toBe("u1")
      expect(server.requests()).toBe(2)
      expect(yield* verifier.verify(yield* signed(oldKey))).toBe("u1")
      expect(server.requests()).toBe(2)
    }))

  it.scopedLive("unknown kids within the cooldown do not refetch", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server))
      yield* verifier.verify(yield* signed(key))
      for (let i = 0; i < 10; i++) {
        const stranger = yield* generate()
        expect(yield* verifier.verify(yield* signed(stranger)).pipe(Effect.flip)).toMatchObject({
          reason: "no published key matches the token's key id (kid)"
        })
      }
      expect(server.requests()).toBe(1)
    }))

  it.scopedLive("concurrent unknown kids share one refetch", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server, { jwksCooldown: Duration.millis(100) }))
      yield* verifier.verify(yield* signed(key))
      yield* Effect.sleep(Duration.millis(150))
      const strangers = yield* Effect.all(Array.from({ length: 20 }, () => Effect.flatMap(generate(), signed)))
      yield* Effect.forEach(strangers, (token) => Effect.flip(verifier.verify(token)), { concurrency: "unbounded" })
      expect(server.requests()).toBe(2)
    }))

  it.scopedLive("a JWKS answering errors fails closed at once, and the verifier recovers", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server, { jwksCooldown: Duration.zero }))
      server.outage("error")
      const refused = yield* verifier.verify(yield* signed(key)).pipe(Effect.flip)
      expect(refused.reason).toMatch(/signing keys could not be fetched/)
      server.outage(false)
      expect(yield* verifier.verify(yield* signed(key))).toBe("u1")
    }))

  it.scopedLive("a JWKS that never answers is given up on after the timeout", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server, { jwksTimeout: Duration.millis(200) }))
      server.outage("hang")
      const started = Date.now()
      const refused = yield* verifier.verify(yield* signed(key)).pipe(Effect.flip)
      expect(refused.reason).toMatch(/in time/)
      expect(Date.now() - started).toBeLessThan(2000)
    }))

  it.scopedLive("a JWKS that is down is not hit by every request, and is retried within a second", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server))
      const token = yield* signed(key)
      server.outage("error")
      for (let i = 0; i < 10; i++) yield* Effect.flip(verifier.verify(token))
      expect(server.requests()).toBe(1)
      server.outage(false)
      yield* Effect.sleep(Duration.millis(1100))
      expect(yield* verifier.verify(token)).toBe("u1")
      expect(server.requests()).toBe(2)
    }))

  it.scopedLive("cached keys keep working while the JWKS is down", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* serve([key])
      const verifier = yield* JwtVerifier.make(settingsFor(server, { jwksCooldown: Duration.zero }))
      const token = yield* signed(key)
      yield* verifier.verify(token)
      server.outage("error")
      expect(yield* verifier.verify(token)).toBe("u1")
      const refused = yield* verifier.verify(yield* signed(yield* generate())).pipe(Effect.flip)
      expect(refused.reason).toMatch(/signing keys could not be fetched/)
    }))

  it.live("a JWKS URL nobody listens on fails closed", () =>
    Effect.gen(function*() {
      const key = yield* generate()
      const server = yield* Effect.promise(() => Tokens.serveJwks([key]))
      const settings = settingsFor(server)
      yield* Effect.promise(() => server.close())
      const refused = yield* verify(settings, yield* signed(key)).pipe(Effect.flip)
      expect(refused.reason).toMatch(/signing keys could not be fetched/)
    }))
})

describe("JwtVerifier.make", () => {
  it.live("refuses to build with no mode enabled", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(JwtVerifier.make({ clockToleranceSeconds: 5 }))
      expect(exit._tag).toBe("Failure")
    }))

  it.live("reasons never carry the token", () =>
    Effect.gen(function*() {
      const marker = randomUUID()
      const token = yield* Effect.promise(() => Tokens.mintHs256("wrong-secret-wrong-secret-wrong-secret", { subject: marker }))
      const reason = yield* refusal(secretOnly, token)
      expect(reason).not.toContain(marker)
    }))
})
