/** `doctor`: is this installation ready to serve? One verdict per check, a failing exit on any failure. */
import { ApiConfig, AuthConfig, DatabaseConfig, DevelopmentSecret, ServerConfig, Setting } from "@todo/config"
import { Database, migrationStatus } from "@todo/postgres"
import type { Command } from "commander"
import { ConfigError, Effect, Either, Layer, Option, Redacted } from "effect"
import { importJWK, type JWK } from "jose"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { examples, jsonOption } from "../CommandLine.js"
import { CommandFailed } from "../CommandFailure.js"
import { type Column, printJson, printTable } from "../Output.js"
import type { Runner } from "../Runner.js"

type Verdict = "ok" | "warn" | "fail"

interface Check {
  readonly check: string
  readonly verdict: Verdict
  readonly detail: string
}

/** Every setting the API reads, parsed by the module the API parses it with. */
const configuration = Effect.map(Effect.either(ApiConfig.config), (result): Check =>
  Either.isRight(result)
    ? { check: "configuration", verdict: "ok", detail: "every setting the API reads is valid" }
    : { check: "configuration", verdict: "fail", detail: Setting.problemsOf(result.left).join("; ") })

const database = Effect.gen(function*() {
  const config = yield* DatabaseConfig.config
  const dataDir = resolve(config.dataDir)
  const where = Option.match(config.url, {
    onSome: (url) => `PostgreSQL at ${DatabaseConfig.addressOf(url)}`,
    onNone: () => `the embedded database in ${dataDir}`
  })
  if (Option.isNone(config.url) && !existsSync(dataDir)) {
    return { check: "database", verdict: "warn", detail: `${where} does not exist yet (made on first use)` } satisfies Check
  }
  const { applied, pending } = yield* Effect.scoped(
    Effect.flatMap(Layer.build(Database.connectionLayer), (context) => Effect.provide(migrationStatus, context))
  ).pipe(
    Effect.catchTag(
      "RepositoryUnavailable",
      (error) =>
        Effect.fail(new CommandFailed({ message: `${where}: ${error.reason}${error.code === undefined ? "" : ` (${error.code})`}` }))
    )
  )
  if (pending.length > 0) {
    return {
      check: "database",
      verdict: "warn",
      detail: `${where} answers; ${pending.length} migration(s) pending: ${pending.join(", ")} (run todo-admin migrate)`
    } satisfies Check
  }
  return { check: "database", verdict: "ok", detail: `${where} answers; schema current (${applied.length} migrations)` } satisfies Check
})

const secret = Effect.gen(function*() {
  const secret = yield* AuthConfig.secret
  const jwks = Option.isSome(yield* AuthConfig.jwksUrl)
  if (Option.isSome(secret)) {
    return {
      check: "auth secret",
      verdict: "ok",
      detail: `BETTER_AUTH_SECRET is ${Buffer.byteLength(Redacted.value(secret.value))} bytes`
    } satisfies Check
  }
  if (jwks) return { check: "auth secret", verdict: "ok", detail: "not set: only JWKS tokens are accepted" } satisfies Check
  if (yield* AuthConfig.production) {
    return {
      check: "auth secret",
      verdict: "fail",
      detail: "no auth mode: set BETTER_AUTH_SECRET or BETTER_AUTH_URL (NODE_ENV=production)"
    } satisfies Check
  }
  return {
    check: "auth secret",
    verdict: "warn",
    detail: `no auth mode set: the API uses a development secret (${DevelopmentSecret.fileIn(yield* DatabaseConfig.dataDir)})`
  } satisfies Check
})

const JWKS_TIMEOUT_MS = 5000

const fetchKeys = (url: URL) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) })
      if (!response.ok) throw new Error(`answered HTTP ${response.status}`)
      const body = (await response.json()) as { readonly keys?: unknown }
      if (!Array.isArray(body.keys) || body.keys.length === 0) throw new Error("holds no keys")
      const keys = body.keys as ReadonlyArray<JWK>
      await Promise.all(keys.map((key) => importJWK(key, key.alg)))
      return keys
    },
    // fetch() hides the reason (refused, DNS, TLS) in its cause.
    catch: (error) =>
      new CommandFailed({
        message: error instanceof Error
          ? [error.message, error.cause instanceof Error ? error.cause.message : undefined].filter(Boolean).join(": ")
          : String(error)
      })
  })

const jwks = Effect.gen(function*() {
  const url = yield* AuthConfig.jwksUrl
  if (Option.isNone(url)) {
    return { check: "auth JWKS", verdict: "ok", detail: "not configured (BETTER_AUTH_URL / JWT_JWKS_URL unset)" } satisfies Check
  }
  return yield* fetchKeys(url.value).pipe(
    Effect.map((keys): Check => ({
      check: "auth JWKS",
      verdict: "ok",
      detail: `${url.value.href}: ${keys.length} key(s) importable (${[...new Set(keys.map((key) => key.alg))].join(", ")})`
    })),
    Effect.catchAll((error) => Effect.succeed<Check>({ check: "auth JWKS", verdict: "fail", detail: `${url.value.href} ${error.message}` }))
  )
})

const REDIS_TIMEOUT_MS = 5000
const PINGS = 5

/** Connects once (the client is loaded only when Redis is configured) and times a few PINGs: their median in ms. */
const pingRedis = (url: URL) =>
  Effect.tryPromise({
    try: async () => {
      const { Redis } = await import("ioredis")
      const client = new Redis(url.href, {
        lazyConnect: true,
        connectTimeout: REDIS_TIMEOUT_MS,
        commandTimeout: REDIS_TIMEOUT_MS,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null
      })
      // The reason (refused, DNS, TLS, auth) comes as an error event; the failed command only says the connection closed.
      let reason: Error | undefined
      client.on("error", (error: Error) => (reason = error))
      try {
        await client.connect().catch((error: Error) => Promise.reject(reason ?? error))
        const times: Array<number> = []
        for (let n = 0; n < PINGS; n++) {
          const sent = performance.now()
          await client.ping()
          times.push(performance.now() - sent)
        }
        return times.sort((a, b) => a - b)[Math.floor(PINGS / 2)]!
      } finally {
        client.disconnect()
      }
    },
    catch: (error) => new CommandFailed({ message: error instanceof Error ? error.message : String(error) })
  })

const redis = Effect.gen(function*() {
  const url = Option.map(yield* ServerConfig.redisUrl, Redacted.value)
  if (Option.isNone(url)) {
    return {
      check: "redis",
      verdict: "ok",
      detail: "not configured (REDIS_URL unset): each API process counts the rate limit alone"
    } satisfies Check
  }
  // Host, port and database: never the password.
  const where = `${url.value.protocol}//${url.value.hostname}:${url.value.port || "6379"}${
    url.value.pathname.length > 1 ? url.value.pathname : ""
  }`
  return yield* pingRedis(url.value).pipe(
    Effect.map((ms): Check => ({
      check: "redis",
      verdict: "ok",
      detail: `${where} answers PING in ${ms.toFixed(1)} ms (median of ${PINGS})`
    })),
    Effect.catchAll((error) => Effect.succeed<Check>({ check: "redis", verdict: "fail", detail: `${where}: ${error.message}` }))
  )
})

/** A setting that does not parse is reported by the configuration check; the checks that need it then fail on it too. */
const orFailure = (check: string) => <E>(self: Effect.Effect<Check, E>) =>
  Effect.catchAll(self, (error) =>
    Effect.succeed<Check>({
      check,
      verdict: "fail",
      detail: ConfigError.isConfigError(error) ? `configuration: ${Setting.problemsOf(error).join("; ")}` : String((error as Error).message)
    }))

const columns: ReadonlyArray<Column<Check>> = [
  { header: "VERDICT", cell: (check) => check.verdict },
  { header: "CHECK", cell: (check) => check.check },
  { header: "DETAIL", cell: (check) => check.detail }
]

const doctor = (options: { readonly json?: true }) =>
  Effect.gen(function*() {
    const checks = yield* Effect.all([
      configuration,
      orFailure("database")(database),
      orFailure("auth secret")(secret),
      orFailure("auth JWKS")(jwks),
      orFailure("redis")(redis)
    ])
    if (options.json) yield* printJson(checks)
    else yield* printTable(columns, checks)
    const failed = checks.filter((check) => check.verdict === "fail").length
    if (failed > 0) return yield* new CommandFailed({ message: `${failed} check(s) failed` })
  })

export const registerDoctor = (program: Command, runner: Runner<never>): void => {
  program.command("doctor")
    .description("check the configuration, the database and its schema, the auth settings, and Redis when configured")
    .addOption(jsonOption())
    .addHelpText("after", examples("todo-admin doctor", "NODE_ENV=production todo-admin doctor --json"))
    .action((options: { readonly json?: true }) => runner.run(doctor(options)))
}
