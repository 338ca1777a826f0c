/**
 * Bearer tokens for tests: HS256 tokens minted with a shared secret, asymmetric signing keys, and a
 * JWKS served on an ephemeral 127.0.0.1 port that a test can rotate, count and take down.
 * Promise-based, so plain vitest and `Effect.promise` callers both use them directly.
 */
import { randomUUID } from "node:crypto"
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose"

/** A moment as jose takes it: seconds since the epoch, a `Date`, or a span from now such as `"15m"` or `"-1h"`. */
export type TokenTime = number | string | Date

export interface TokenOptions {
  /** `sub`; leave it out (and name the user in `claims`) to exercise the `user_id` / `id` fallbacks. */
  readonly subject?: string
  /** `exp`, default `"15m"`; `null` leaves the claim out. */
  readonly expiresAt?: TokenTime | null
  readonly notBefore?: TokenTime
  /** `iat`, default now; `null` leaves the claim out. */
  readonly issuedAt?: TokenTime | null
  readonly issuer?: string
  readonly audience?: string | ReadonlyArray<string>
  /** Further claims, e.g. `{ user_id: "u1" }`. */
  readonly claims?: JWTPayload
  /** The `kid` header parameter. */
  readonly kid?: string
}

const sign = (alg: string, key: CryptoKey | Uint8Array, options: TokenOptions): Promise<string> => {
  const jwt = new SignJWT({ ...options.claims }).setProtectedHeader(
    options.kid === undefined ? { alg } : { alg, kid: options.kid }
  )
  if (options.subject !== undefined) jwt.setSubject(options.subject)
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? "15m")
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore)
  if (options.issuedAt !== null) jwt.setIssuedAt(options.issuedAt)
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer)
  if (options.audience !== undefined) {
    jwt.setAudience(typeof options.audience === "string" ? options.audience : [...options.audience])
  }
  return jwt.sign(key)
}

/**
 * An HS256 token, the way a Next.js frontend mints one with `jose`: the key is the UTF-8 bytes of
 * `secret` (or the bytes themselves, e.g. a public key's, to forge a token).
 */
export const mintHs256 = (secret: string | Uint8Array, options: TokenOptions = {}): Promise<string> =>
  sign("HS256", typeof secret === "string" ? new TextEncoder().encode(secret) : secret, options)

/** The asymmetric algorithms Better Auth's `jwt` plugin offers. */
export type SigningAlgorithm = "EdDSA" | "ES256" | "ES512" | "RS256" | "PS256"

export interface SigningKey {
  readonly alg: SigningAlgorithm
  readonly kid: string
  readonly publicKey: CryptoKey
  /** The public key as published in a JWKS (with `alg` and `kid`). */
  readonly publicJwk: JWK
  /** A token signed with this key, its `kid` in the header unless `options.kid` says otherwise. */
  readonly sign: (options?: TokenOptions) => Promise<string>
}

export const generateSigningKey = async (alg: SigningAlgorithm, kid: string = randomUUID()): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg)
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), alg, kid }
  return { alg, kid, publicKey, publicJwk, sign: (options = {}) => sign(alg, privateKey, { kid, ...options }) }
}

/** `"error"`: every request gets a 503; `"hang"`: requests are accepted and never answered. */
export type JwksOutage = "error" | "hang"

export interface JwksServer {
  readonly url: URL
  /** How many times the key set has been requested so far. */
  readonly requests: () => number
  /** Replace the published keys (rotation, revocation). */
  readonly publish: (keys: ReadonlyArray<SigningKey>) => void
  /** Start an outage, or end it with `false`. */
  readonly outage: (mode: JwksOutage | false) => void
  readonly close: () => Promise<void>
}

export const serveJwks = async (keys: ReadonlyArray<SigningKey>): Promise<JwksServer> => {
  let body = ""
  const publish = (next: ReadonlyArray<SigningKey>) => {
    body = JSON.stringify({ keys: next.map((key) => key.publicJwk) })
  }
  publish(keys)
  let requests = 0
  let outage: JwksOutage | false = false
  const hanging = new Set<ServerResponse>()
  const server = createServer((_request, response) => {
    requests++
    if (outage === "hang") {
      hanging.add(response)
      return
    }
    if (outage === "error") {
      response.writeHead(503).end()
      return
    }
    response.writeHead(200, { "content-type": "application/json" }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: new URL(`http://127.0.0.1:${port}/api/auth/jwks`),
    requests: () => requests,
    publish,
    outage: (mode) => {
      outage = mode
      if (mode === "hang") return
      for (const response of hanging) response.destroy()
      hanging.clear()
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeAllConnections()
      })
  }
}
