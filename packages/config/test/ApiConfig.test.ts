import { describe, expect, it } from "@effect/vitest"
import { ApiConfig, DatabaseConfig, Setting } from "@todo/config"
import { ConfigProvider, Effect, LogLevel, Option, Redacted } from "effect"
import { availableParallelism } from "node:os"

const read = (env: Record<string, string>) =>
  ApiConfig.config.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

const problems = (env: Record<string, string>) => read(env).pipe(Effect.flip, Effect.map(Setting.problemsOf))

const url = "postgres://todo:s3cret@db.example.com/todo"

describe("the API's configuration", () => {
  it.effect("with nothing set, every setting has its default", () =>
    Effect.gen(function*() {
      const config = yield* read({})
      expect(config.database).toEqual({
        url: Option.none(),
        dataDir: "./.data",
        poolMax: 10,
        connectTimeoutSeconds: 30,
        listenUrl: Option.none()
      })
      expect(config.feed).toEqual({ retentionHours: 168 })
      expect(config.server).toEqual({
        port: 8000,
        host: "0.0.0.0",
        webConcurrency: 1,
        corsOrigins: [],
        logLevel: LogLevel.Info,
        rateLimitPerMinute: 600,
        rateLimitBurst: 100,
        redisUrl: Option.none(),
        shutdownTimeoutSeconds: 10,
        requestTimeoutSeconds: 30
      })
      expect(config.auth).toMatchObject({ clockToleranceSeconds: 5, production: false, secret: undefined, jwksUrl: undefined })
    }))

  it.effect("a blank value counts as unset, for every kind of setting", () =>
    Effect.gen(function*() {
      const config = yield* read({ PORT: "", DATABASE_URL: " ", DATA_DIR: "", WEB_CONCURRENCY: " ", LOG_LEVEL: "", JWT_ISSUER: "  " })
      expect(config.server.port).toBe(8000)
      expect(config.server.webConcurrency).toBe(1)
      expect(config.server.logLevel).toBe(LogLevel.Info)
      expect(config.database.url).toEqual(Option.none())
      expect(config.database.dataDir).toBe("./.data")
      expect(config.auth.issuer).toBeUndefined()
      expect(yield* problems({ NODE_ENV: "production", BETTER_AUTH_SECRET: " " })).toEqual([
        expect.stringMatching(/^BETTER_AUTH_SECRET: NODE_ENV=production needs an auth mode/)
      ])
    }))

  it.effect("every bad setting is reported at once, each naming its variable", () =>
    Effect.gen(function*() {
      const lines = yield* problems({
        PORT: "eighty",
        DATABASE_POOL_MAX: "0",
        BETTER_AUTH_URL: "auth.example.com",
        LOG_LEVEL: "loud",
        RATE_LIMIT_BURST: "1.5"
      })
      expect(lines).toEqual([
        "DATABASE_POOL_MAX: must be 1 or more, not \"0\"",
        "PORT: must be a whole number from 1 to 65535, not \"eighty\"",
        "LOG_LEVEL: must be one of trace, debug, info, warning, error, fatal or none, not \"loud\"",
        "RATE_LIMIT_BURST: must be a whole number of 1 or more, not \"1.5\"",
        "BETTER_AUTH_URL: must be an absolute http(s) URL"
      ])
    }))

  it.effect("DATABASE_URL must be a postgres:// or postgresql:// URL, and a refusal never repeats it", () =>
    Effect.gen(function*() {
      for (const value of ["postgres//todo:s3cret@nope", "http://todo:s3cret@db/todo", "mysql://todo:s3cret@db/todo"]) {
        const lines = yield* problems({ DATABASE_URL: value })
        expect(lines).toEqual([expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/)])
        expect(lines.join()).not.toContain("s3cret")
      }
      for (const value of [url, "postgresql://db.example.com:6543/todo?sslmode=require"]) {
        expect(Option.map((yield* read({ DATABASE_URL: value })).database.url, Redacted.value)).toEqual(Option.some(value))
      }
    }))

  it("an operator's messages name a server by host and port, never by its credentials", () => {
    expect(DatabaseConfig.addressOf(Redacted.make(url))).toBe("db.example.com:5432")
    expect(DatabaseConfig.addressOf(Redacted.make("postgresql://u:p@127.0.0.1:6543/todo"))).toBe("127.0.0.1:6543")
  })

  it.effect("the pool may be as large as the server allows: DATABASE_POOL_MAX has no upper bound", () =>
    Effect.gen(function*() {
      expect((yield* read({ DATABASE_POOL_MAX: "5000" })).database.poolMax).toBe(5000)
    }))

  it.effect("WEB_CONCURRENCY is auto (one per core) or a whole number of at least 1", () =>
    Effect.gen(function*() {
      expect((yield* read({ WEB_CONCURRENCY: "auto", DATABASE_URL: url })).server.webConcurrency).toBe(availableParallelism())
      expect((yield* read({ WEB_CONCURRENCY: "3", DATABASE_URL: url })).server.webConcurrency).toBe(3)
      for (const value of ["0", "-1", "1.5", "two"]) {
        expect(yield* problems({ WEB_CONCURRENCY: value, DATABASE_URL: url })).toEqual([
          `WEB_CONCURRENCY: must be auto or a whole number of at least 1, not "${value}"`
        ])
      }
    }))

  it.effect("more than one server process needs DATABASE_URL, since the embedded database is one process's", () =>
    Effect.gen(function*() {
      expect(yield* problems({ WEB_CONCURRENCY: "2" })).toEqual([expect.stringMatching(/^WEB_CONCURRENCY: above 1 needs DATABASE_URL/)])
      expect((yield* read({ WEB_CONCURRENCY: "1" })).server.webConcurrency).toBe(1)
    }))

  it.effect("LOG_LEVEL takes the names the README lists and Effect's own", () =>
    Effect.gen(function*() {
      for (
        const [name, level] of [["warning", LogLevel.Warning], ["warn", LogLevel.Warning], ["none", LogLevel.None], [
          "DEBUG",
          LogLevel.Debug
        ]] as const
      ) {
        expect((yield* read({ LOG_LEVEL: name })).server.logLevel).toBe(level)
      }
    }))

  it.effect("RATE_LIMIT_BURST defaults to ten seconds' worth of RATE_LIMIT_PER_MINUTE", () =>
    Effect.gen(function*() {
      expect((yield* read({ RATE_LIMIT_PER_MINUTE: "60" })).server.rateLimitBurst).toBe(10)
      expect((yield* read({ RATE_LIMIT_PER_MINUTE: "0" })).server.rateLimitBurst).toBe(1)
      expect((yield* read({ RATE_LIMIT_PER_MINUTE: "60", RATE_LIMIT_BURST: "3" })).server.rateLimitBurst).toBe(3)
    }))

  it.effect("CORS_ORIGINS is a list of exact origins, or *", () =>
    Effect.gen(function*() {
      expect((yield* read({ CORS_ORIGINS: "https://a.example, http://localhost:3000" })).server.corsOrigins).toEqual([
        "https://a.example",
        "http://localhost:3000"
      ])
      expect(yield* problems({ CORS_ORIGINS: "https://a.example/" })).toEqual([
        "CORS_ORIGINS: \"https://a.example/\" is not an origin: write scheme://host[:port], with no path or trailing slash"
      ])
    }))
})

describe("the webhook settings", () => {
  const secret = `whsec_${Buffer.from("thirty-two bytes of webhook key!").toString("base64")}`

  it.effect("neither set: webhooks are off", () =>
    Effect.gen(function*() {
      expect((yield* read({})).webhooks).toEqual(Option.none())
      expect((yield* read({ WEBHOOK_URL: " ", WEBHOOK_SECRET: "" })).webhooks).toEqual(Option.none())
    }))

  it.effect("both set: the receiver's URL and the secret, kept redacted", () =>
    Effect.gen(function*() {
      const webhooks = Option.getOrThrow(
        (yield* read({ WEBHOOK_URL: "https://app.example.com/api/webhooks", WEBHOOK_SECRET: secret })).webhooks
      )
      expect(webhooks.url.href).toBe("https://app.example.com/api/webhooks")
      expect(Redacted.value(webhooks.secret)).toBe(secret)
      expect(String(webhooks.secret)).not.toContain("whsec_")
    }))

  it.effect("one without the other is refused, naming the missing variable", () =>
    Effect.gen(function*() {
      expect(yield* problems({ WEBHOOK_URL: "https://app.example.com/hook" })).toEqual(["WEBHOOK_SECRET: must be set when WEBHOOK_URL is"])
      expect(yield* problems({ WEBHOOK_SECRET: secret })).toEqual(["WEBHOOK_URL: must be set when WEBHOOK_SECRET is"])
    }))

  it.effect("a URL that is not http(s), or a secret that is not whsec_ and 24 to 64 bytes, is refused without echoing it", () =>
    Effect.gen(function*() {
      const lines = yield* problems({ WEBHOOK_URL: "ftp://example.com/hook", WEBHOOK_SECRET: "whsec_c2hvcnQ=" })
      expect(lines).toEqual([
        "WEBHOOK_URL: must be an absolute http(s) URL",
        expect.stringMatching(/^WEBHOOK_SECRET: must be whsec_ followed by 24 to 64 random bytes in base64/)
      ])
      expect(lines.join("\n")).not.toContain("c2hvcnQ")
      expect(yield* problems({ WEBHOOK_URL: "https://example.com", WEBHOOK_SECRET: "not-a-whsec-secret-at-all-but-long-enough" })).toEqual([
        expect.stringMatching(/^WEBHOOK_SECRET: must be whsec_/)
      ])
    }))
})
