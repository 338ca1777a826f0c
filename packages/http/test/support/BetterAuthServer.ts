/**
 * A real Better Auth 1.7 (memory adapter, `jwt` plugin) on an ephemeral 127.0.0.1 port: the issuer
 * whose tokens the API must accept, for tests that want the genuine article rather than our own keys.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { betterAuth } from "better-auth"
import { memoryAdapter } from "better-auth/adapters/memory"
import { toNodeHandler } from "better-auth/node"
import { jwt } from "better-auth/plugins"

export type BetterAuthAlgorithm = "EdDSA" | "ES256" | "ES512" | "RS256" | "PS256"

export interface BetterAuthServer {
  /** Also the default `iss` and `aud` of its tokens. */
  readonly baseURL: string
  readonly jwksUrl: URL
  /** Signs a fresh user up and returns the JWT `GET /api/auth/token` gives them. */
  readonly signUpAndGetToken: () => Promise<{ readonly token: string; readonly userId: string }>
  /** Expires every key, so the next token is signed with a new one (new `kid`); old keys stay published. */
  readonly rotateKey: () => void
  readonly close: () => Promise<void>
}

export const startBetterAuth = async (
  { alg = "EdDSA" }: { readonly alg?: BetterAuthAlgorithm } = {}
): Promise<BetterAuthServer> => {
  // The memory adapter throws on a missing table, so all five are declared up front.
  const db: Record<string, Array<Record<string, unknown>>> = { user: [], session: [], account: [], verification: [], jwks: [] }
  let handler = (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(503).end()
  }
  const server = createServer((request, response) => handler(request, response))
  // Listen first: Better Auth needs its own base URL, which the ephemeral port decides.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const auth = betterAuth({
    database: memoryAdapter(db),
    secret: "better-auth-test-secret-6f1c2a9e8b7d4c3f0a5e",
    baseURL,
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    plugins: [jwt({ jwks: { keyPairConfig: { alg } } })]
  })
  handler = toNodeHandler(auth)
  // Keys are created lazily, and concurrent first requests each create one: settle on one key now.
  await fetch(`${baseURL}/api/auth/jwks`)

  const signUpAndGetToken = async () => {
    const response = await fetch(`${baseURL}/api/auth/sign-up/email`, {
      method: "POST",
      // Better Auth refuses POSTs without an Origin.
      headers: { "content-type": "application/json", origin: baseURL },
      body: JSON.stringify({ email: `user-${crypto.randomUUID()}@example.com`, password: "password1234", name: "Test" })
    })
    if (!response.ok) throw new Error(`sign-up answered ${response.status}: ${await response.text()}`)
    const { user } = (await response.json()) as { user: { id: string } }
    const cookie = response.headers.getSetCookie().map((setCookie) => setCookie.split(";")[0]).join("; ")
    const tokenResponse = await fetch(`${baseURL}/api/auth/token`, { headers: { cookie } })
    if (!tokenResponse.ok) throw new Error(`/api/auth/token answered ${tokenResponse.status}`)
    const { token } = (await tokenResponse.json()) as { token: string }
    return { token, userId: user.id }
  }

  return {
    baseURL,
    jwksUrl: new URL(`${baseURL}/api/auth/jwks`),
    signUpAndGetToken,
    rotateKey: () => {
      for (const key of db["jwks"]!) key["expiresAt"] = new Date(Date.now() - 1000)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
