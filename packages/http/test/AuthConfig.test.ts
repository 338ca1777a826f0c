import { mkdtemp, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { AuthConfig, DatabaseConfig } from "@todo/config"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { demoUser, developmentBanner } from "../src/auth/DevelopmentBanner.js"
import { JwtVerifier } from "../src/auth/JwtVerifier.js"

const secret = "a-shared-secret-of-at-least-32-bytes-0123"
let dataDir: string
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "auth-config-"))
})
afterEach(() => rm(dataDir, { recursive: true, force: true }))

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ DATA_DIR: dataDir, ...env }))))

/** The settings the API verifies with, as it resolves them at start. */
const load = (env: Record<string, string>) =>
  Effect.all([AuthConfig.config, DatabaseConfig.dataDir]).pipe(
    Effect.flatMap(([auth, dataDir]) => AuthConfig.resolve(auth, dataDir)),
    withEnv(env)
  )
const failure = (env: Record<string, string>) => load(env).pipe(Effect.flip, Effect.map(String))

describe("AuthConfig", () => {
  it.live("a secret shorter than 32 bytes is refused at start-up", () =>
    Effect.gen(function*() {
      const message = yield* failure({ BETTER_AUTH_SECRET: "too-short-secret" })
      expect(message).toMatch(/BETTER_AUTH_SECRET: "must be at least 32 bytes/)
      expect(message).not.toContain("too-short-secret")
    }))

  it.live("production without a secret or a Better Auth URL refuses to start", () =>
    Effect.gen(function*() {
      expect(yield* failure({ NODE_ENV: "production" })).toMatch(/NODE_ENV=production needs an auth mode/)
      expect(yield* failure({ NODE_ENV: "production", BETTER_AUTH_SECRET: " " })).toMatch(/needs an auth mode/)
    }))

  it.live("the secret alone turns on HS256 only", () =>
    Effect.gen(function*() {
      const { developmentSecret, settings } = yield* load({ NODE_ENV: "production", BETTER_AUTH_SECRET: secret })
      expect(settings.secret && Redacted.value(settings.secret)).toBe(secret)
      expect(settings.jwksUrl).toBeUndefined()
      expect(settings.clockToleranceSeconds).toBe(5)
      expect(Option.isNone(developmentSecret)).toBe(true)
    }))

  it.live("BETTER_AUTH_URL turns on its JWKS, which JWT_JWKS_URL overrides", () =>
    Effect.gen(function*() {
      const { settings } = yield* load({ NODE_ENV: "production", BETTER_AUTH_URL: "https://auth.example.com/" })
      expect(settings.jwksUrl?.href).toBe("https://auth.example.com/api/auth/jwks")
      expect(settings.secret).toBeUndefined()
      const overridden = yield* load({
        BETTER_AUTH_URL: "https://auth.example.com",
        JWT_JWKS_URL: "http://auth.internal:3000/keys"
      })
      expect(overridden.settings.jwksUrl?.href).toBe("http://auth.internal:3000/keys")
      expect(overridden.settings.betterAuthUrl?.origin).toBe("https://auth.example.com")
    }))

  it.live("a URL that is not absolute http(s) is refused", () =>
    Effect.gen(function*() {
      expect(yield* failure({ BETTER_AUTH_URL: "auth.example.com" })).toMatch(/BETTER_AUTH_URL: "must be an absolute http\(s\) URL/)
      expect(yield* failure({ JWT_JWKS_URL: "file:///etc/passwd" })).toMatch(/JWT_JWKS_URL: "must be an absolute/)
    }))

  it.live("a negative clock tolerance is refused", () =>
    Effect.gen(function*() {
      expect(yield* failure({ BETTER_AUTH_SECRET: secret, JWT_CLOCK_TOLERANCE_S: "-1" })).toMatch(
        /JWT_CLOCK_TOLERANCE_S: "must be zero or more/
      )
    }))

  it.live("outside production with no mode, a development secret is generated, kept private and reused", () =>
    Effect.gen(function*() {
      const first = yield* load({})
      const development = Option.getOrThrow(first.developmentSecret)
      expect(development.file).toBe(join(dataDir, "dev-secret"))
      expect(Redacted.value(development.secret).length).toBeGreaterThanOrEqual(32)
      expect((yield* Effect.promise(() => stat(development.file))).mode & 0o777).toBe(0o600)
      const second = yield* load({})
      expect(Redacted.value(Option.getOrThrow(second.developmentSecret).secret)).toBe(Redacted.value(development.secret))
    }))

  it.live("the development banner's curl carries a token the verifier from the environment accepts", () =>
    Effect.gen(function*() {
      const auth = yield* load({})
      const banner = Option.getOrThrow(yield* developmentBanner(auth, "http://localhost:8000/"))
      expect(banner).toContain("http://localhost:8000/api/demo-user/tasks")
      const token = /Bearer ([\w.-]+)/.exec(banner)![1]!
      const verifier = yield* JwtVerifier.make(auth.settings)
      expect(yield* verifier.verify(token)).toBe(demoUser)
    }))

  it.live("there is no development banner when a mode is configured", () =>
    Effect.gen(function*() {
      const banner = yield* developmentBanner(yield* load({ BETTER_AUTH_SECRET: secret }), "http://localhost:8000")
      expect(Option.isNone(banner)).toBe(true)
    }))

  it.live("the verifier's settings cannot be had in production with no mode", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(load({ NODE_ENV: "production" }))
      expect(exit._tag).toBe("Failure")
    }))
})
