/** The real server on an ephemeral port, over any `TaskRepository`, verifying HS256 tokens. */
import { HttpServer } from "@effect/platform"
import { ChangeSignal, type TaskRepository } from "@todo/core"
import { Tokens } from "@todo/testing"
import { Layer, ManagedRuntime, Redacted } from "effect"
import { JwtVerifier, Server } from "../../src/index.js"
import type { AuthSettings } from "../../src/auth/JwtVerifier.js"

export const SECRET = "a-test-secret-that-is-at-least-32-bytes-long"
export const ALLOWED_ORIGIN = "https://app.example.com"

export interface TestServer {
  readonly url: string
  readonly close: () => Promise<void>
}

/** Without a rate limit and an access log, unless a test asks for them; HS256 with `SECRET` unless `auth` says otherwise. */
export const startServer = async (
  repository: Layer.Layer<TaskRepository, unknown>,
  options: Partial<Server.ServerOptions> = {},
  auth: AuthSettings = { secret: Redacted.make(SECRET) }
): Promise<TestServer> => {
  const runtime = ManagedRuntime.make(
    Server.layer({
      port: 0,
      host: "127.0.0.1",
      corsOrigins: [ALLOWED_ORIGIN, "https://other.example.com"],
      accessLog: false,
      rateLimit: { perMinute: 0, burst: 1 },
      shutdownTimeoutSeconds: 5,
      requestTimeoutSeconds: 30,
      ...options
    }).pipe(
      Layer.provide(JwtVerifier.layer(auth)),
      Layer.provide(repository),
      Layer.provide(ChangeSignal.layer)
    )
  )
  const { address } = await runtime.runPromise(HttpServer.HttpServer)
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return { url: `http://127.0.0.1:${address.port}`, close: () => runtime.dispose() }
}

export const tokenFor = (user: string, options: Tokens.TokenOptions = {}) => Tokens.mintHs256(SECRET, { subject: user, ...options })

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface Call {
  readonly method?: string
  /** Sent as JSON; a string is sent as it is. */
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** Whose token to send; `null` sends none. */
  readonly as?: string | null
}

export const caller = (server: () => TestServer, defaultUser: () => string) => async (path: string, call: Call = {}): Promise<Reply> => {
  const user = call.as === undefined ? defaultUser() : call.as
  const headers: Record<string, string> = {}
  if (user !== null) headers["authorization"] = `Bearer ${await tokenFor(user)}`
  if (call.body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(`${server().url}${path}`, {
    method: call.method ?? "GET",
    headers: { ...headers, ...call.headers },
    ...(call.body === undefined ? {} : { body: typeof call.body === "string" ? call.body : JSON.stringify(call.body) })
  })
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = JSON.parse(text)
  } catch {
    // Not every reply is JSON (204, the docs page).
  }
  return { status: response.status, headers: response.headers, text, json }
}

let sequence = 0
/** Users of their own per test, so suites can share a database. */
export const freshUser = (): string => `http-${Date.now().toString(36)}-${++sequence}-${Math.random().toString(36).slice(2, 8)}`
