/**
 * The contract's authentication rules as a client meets them: the running server, a JWKS this
 * test serves, and a real Better Auth whose tokens must work against the API unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { InMemoryTaskRepository, Tokens } from "@todo/testing"
import { exportSPKI } from "jose"
import { startBetterAuth, type BetterAuthAlgorithm, type BetterAuthServer } from "./support/BetterAuthServer.js"
import { startServer, type TestServer } from "./support/TestServer.js"

const issuer = "https://auth.example.com"
const user = "KUafZppGV5qruNxXjfewlTzjn3XasAro"

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")

const listAs = (server: TestServer, token: string | undefined, owner = user) =>
  fetch(`${server.url}/api/${owner}/tasks`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

describe("bearer tokens over HTTP, against a JWKS", () => {
  let jwks: Tokens.JwksServer
  let server: TestServer
  let published: Tokens.SigningKey
  let attacker: Tokens.SigningKey
  let stranger: Tokens.SigningKey
  const valid = (options: Tokens.TokenOptions = {}) => published.sign({ subject: user, issuer, audience: issuer, ...options })

  beforeAll(async () => {
    published = await Tokens.generateSigningKey("EdDSA", "key-1")
    attacker = await Tokens.generateSigningKey("EdDSA", "key-1")
    stranger = await Tokens.generateSigningKey("EdDSA", "key-9")
    jwks = await Tokens.serveJwks([published])
    server = await startServer(InMemoryTaskRepository.layer, {}, { jwksUrl: jwks.url, betterAuthUrl: new URL(issuer) })
  })
  afterAll(async () => {
    await server.close()
    await jwks.close()
  })

  it("a valid token of the path's user is served", async () => {
    const response = await listAs(server, await valid())
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual([])
  })

  it("no token is 401 with a bare Bearer challenge", async () => {
    const response = await listAs(server, undefined)
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toBe("Bearer")
    expect(response.headers.get("content-type")).toBe("application/problem+json")
  })

  /** Each forgery, and the reason `error_description` gives for refusing it. */
  const forgeries: ReadonlyArray<[string, () => Promise<string>, string]> = [
    [
      "alg none",
      async () => `${base64url({ alg: "none", kid: "key-1" })}.${base64url({ sub: user, iss: issuer, aud: issuer, exp: 9_999_999_999 })}.`,
      "the token's algorithm is not accepted (this API accepts EdDSA, ES256, ES512, RS256, PS256)"
    ],
    [
      "HS256 signed with the public key",
      async () =>
        Tokens.mintHs256(new TextEncoder().encode(await exportSPKI(published.publicKey)), { subject: user, issuer, audience: issuer }),
      "the token's algorithm is not accepted (this API accepts EdDSA, ES256, ES512, RS256, PS256)"
    ],
    [
      "an attacker's key with the right kid",
      () => attacker.sign({ subject: user, issuer, audience: issuer }),
      "the signature does not verify: the token was signed with another secret or key"
    ],
    [
      "a kid the JWKS does not publish",
      () => stranger.sign({ subject: user, issuer, audience: issuer }),
      "no published key matches the token's key id (kid)"
    ],
    ["expired", () => valid({ expiresAt: "-1h" }), "the token has expired"],
    ["not valid before an hour from now", () => valid({ notBefore: "1h" }), "the token is not valid yet (nbf is in the future)"],
    ["the wrong issuer", () => valid({ issuer: "https://evil.example.com" }), `the token's issuer (iss) is not ${issuer}`],
    ["no issuer", () => published.sign({ subject: user, audience: issuer }), "the token has no issuer (iss) claim"],
    ["the wrong audience", () => valid({ audience: "https://evil.example.com" }), `the token's audience (aud) is not ${issuer}`],
    ["no user", () => published.sign({ issuer, audience: issuer }), "the token names no user (sub, user_id or id)"],
    ["no exp", () => valid({ expiresAt: null }), "the token has no expiry (exp) claim"],
    ["garbage", async () => "not.a.jwt", "the token is malformed"]
  ]

  for (const [name, forge, reason] of forgeries) {
    it(`a token with ${name} is 401 invalid_token, saying why`, async () => {
      const token = await forge()
      const response = await listAs(server, token)
      expect(response.status).toBe(401)
      expect(response.headers.get("www-authenticate")).toBe(`Bearer error="invalid_token", error_description="${reason}"`)
      const problem = await response.json()
      expect(problem).toEqual({
        type: "about:blank",
        status: 401,
        title: "Unauthorized",
        detail: `The bearer token was refused: ${reason}.`
      })
      expect(JSON.stringify(problem)).not.toContain(token.slice(-16))
    })
  }

  it("a valid token for another user's path is 403", async () => {
    const response = await listAs(server, await valid(), "someone-else")
    expect(response.status).toBe(403)
  })
})

describe.each<BetterAuthAlgorithm>(["EdDSA", "RS256", "ES256"])("a real Better Auth signing with %s", (alg) => {
  let betterAuth: BetterAuthServer
  let server: TestServer

  beforeAll(async () => {
    betterAuth = await startBetterAuth({ alg })
    server = await startServer(InMemoryTaskRepository.layer, {}, {
      jwksUrl: betterAuth.jwksUrl,
      betterAuthUrl: new URL(betterAuth.baseURL),
      jwksCooldown: "100 millis"
    })
  })
  afterAll(async () => {
    await server.close()
    await betterAuth.close()
  })

  const create = (userId: string, token: string, title: string) =>
    fetch(`${server.url}/api/${userId}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title })
    })

  it("the token from GET /api/auth/token creates and lists the user's tasks", async () => {
    const { token, userId } = await betterAuth.signUpAndGetToken()
    expect((await create(userId, token, "from Better Auth")).status).toBe(201)
    const response = await listAs(server, token, userId)
    expect(response.status).toBe(200)
    const tasks = (await response.json()) as ReadonlyArray<{ title: string }>
    expect(tasks.map((task) => task.title)).toEqual(["from Better Auth"])
  })

  it("after Better Auth rotates its key, new tokens work without restarting the API", async () => {
    const before = await betterAuth.signUpAndGetToken()
    expect((await listAs(server, before.token, before.userId)).status).toBe(200)
    betterAuth.rotateKey()
    const after = await betterAuth.signUpAndGetToken()
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect((await create(after.userId, after.token, "after rotation")).status).toBe(201)
    expect((await listAs(server, before.token, before.userId)).status).toBe(200)
  })
})
