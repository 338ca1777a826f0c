/** `doctor`: is this installation ready to serve? One verdict per check, a failing exit on any failure. */
import { RepositoryUnavailable } from "@todo/core"
import { Database, MigrationFailed, migrationStatus } from "@todo/postgres"
import type { Command } from "commander"
import { Config, ConfigError, Effect, Either, Layer, Option } from "effect"
import { importJWK, type JWK } from "jose"
import { existsSync } from "node:fs"
import { resolve } from "node:path"
import { examples, jsonOption } from "../CommandLine.js"
import { CommandFailed } from "../CommandFailure.js"
import { type Column, printJson, printTable } from "../Output.js"
import type { Runner } from "../Runner.js"
import { byteLength, configuredSecret, devSecretPath, isProduction, MIN_SECRET_BYTES } from "../SigningSecret.js"

type Verdict = "ok" | "warn" | "fail"

interface Check {
  readonly check: string
  readonly verdict: Verdict
  readonly detail: string
}

const optionalText = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

const url = (name: string, protocols: ReadonlyArray<string>) =>
  optionalText(name).pipe(Config.mapOrFail((value) =>
    Option.match(value, {
      onNone: () => Either.right(Option.none<URL>()),
      onSome: (text) => {
        const parsed = URL.canParse(text) ? new URL(text) : undefined
        return parsed && protocols.includes(parsed.protocol)
          ? Either.right(Option.some(parsed))
          : Either.left(ConfigError.InvalidData([name], `must be a ${protocols.join(" or ")} URL`))
      }
    })
  ))

const integer = (name: string, min: number, max: number) =>
  Config.option(Config.integer(name)).pipe(Config.validate({
    message: `must be an integer from ${min} to ${max}`,
    validation: Option.match({ onNone: () => true, onSome: (n: number) => n >= min && n <= max })
  }))

const origins = optionalText("CORS_ORIGINS").pipe(Config.mapOrFail((value) => {
  const invalid = Option.getOrElse(value, () => "").split(",").map((origin) => origin.trim())
    .filter((origin) => origin !== "" && !(URL.canParse(origin) && new URL(origin).origin === origin))
  return invalid.length === 0
    ? Either.right(value)
    : Either.left(ConfigError.InvalidData(["CORS_ORIGINS"], `not exact origins: ${invalid.join(", ")}`))
}))

const HTTP = ["http:", "https:"]

/** The settings the API and this tool read, each parsed as the API expects it. */
const settings = {
  DATABASE_URL: url("DATABASE_URL", ["postgres:", "postgresql:"]),
  DATABASE_POOL_MAX: integer("DATABASE_POOL_MAX", 1, 1000),
  PORT: integer("PORT", 0, 65_535),
  BETTER_AUTH_URL: url("BETTER_AUTH_URL", HTTP),
  JWT_JWKS_URL: url("JWT_JWKS_URL", HTTP),
  JWT_CLOCK_TOLERANCE_S: integer("JWT_CLOCK_TOLERANCE_S", 0, 3600),
  CORS_ORIGINS: origins,
  LOG_LEVEL: Config.option(Config.logLevel("LOG_LEVEL")),
  REDIS_URL: url("REDIS_URL", ["redis:", "rediss:"])
}

const configuration = Effect.gen(function*() {
  const results = yield* Effect.forEach(
    Object.values(settings) as ReadonlyArray<Config.Config<unknown>>,
    (config) => Effect.either(config)
  )
  const problems = results.flatMap((result) => (Either.isLeft(result) ? [String(result.left)] : []))
  return problems.length === 0
    ? { check: "configuration", verdict: "ok", detail: "every setting parses" } satisfies Check
    : { check: "configuration", verdict: "fail", detail: problems.join("; ") } satisfies Check
})

const database = Effect.gen(function*() {
  const server = yield* settings.DATABASE_URL
  const dataDir = resolve(yield* Config.string("DATA_DIR").pipe(Config.withDefault("./.data")))
  const where = Option.match(server, {
    onSome: (url) => `PostgreSQL at ${url.host}${url.pathname}`,
    onNone: () => `the embedded database in ${dataDir}`
  })
  if (Option.isNone(server) && !existsSync(dataDir)) {
    return { check: "database", verdict: "warn", detail: `${where} does not exist yet (made on first use)` } satisfies Check
  }
  const { applied, pending } = yield* Effect.scoped(
    Effect.flatMap(Layer.build(Database.connectionLayer), (context) => Effect.provide(migrationStatus, context))
  )
  if (pending.length > 0) {
    return {
      check: "database",
      verdict: "warn",
      detail: `${where} answers; ${pending.length} migration(s) pending: ${pending.join(", ")} (run todo-admin migrate)`
    } satisfies Check
  }
  return { check: "database", verdict: "ok", detail: `${where} answers; schema current (${applied.length} migrations)` } satisfies Check
}).pipe(
  Effect.catchAll((error) =>
    Effect.succeed<Check>({
      check: "database",
      verdict: "fail",
      detail: error instanceof RepositoryUnavailable || error instanceof MigrationFailed
        ? error.reason
        : `configuration: ${String(error)}`
    })
  )
)

const secret = Effect.gen(function*() {
  const secret = yield* configuredSecret
  const jwks = Option.isSome(yield* settings.JWT_JWKS_URL) || Option.isSome(yield* settings.BETTER_AUTH_URL)
  if (Option.isSome(secret)) {
    const bytes = byteLength(secret.value)
    return bytes >= MIN_SECRET_BYTES
      ? { check: "auth secret", verdict: "ok", detail: `BETTER_AUTH_SECRET is ${bytes} bytes` } satisfies Check
      : { check: "auth secret", verdict: "fail", detail: `BETTER_AUTH_SECRET is ${bytes} bytes; at least ${MIN_SECRET_BYTES} needed` } satisfies Check
  }
  if (jwks) return { check: "auth secret", verdict: "ok", detail: "not set: only JWKS tokens are accepted" } satisfies Check
  if (yield* isProduction) {
    return { check: "auth secret", verdict: "fail", detail: "no auth mode: set BETTER_AUTH_SECRET or BETTER_AUTH_URL (NODE_ENV=production)" } satisfies Check
  }
  return {
    check: "auth secret",
    verdict: "warn",
    detail: `no auth mode set: the API uses a development secret (${yield* devSecretPath})`
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
  const explicit = yield* settings.JWT_JWKS_URL
  const issuer = yield* settings.BETTER_AUTH_URL
  const url = Option.orElse(explicit, () => Option.map(issuer, (base) => new URL(`${base.href.replace(/\/$/, "")}/api/auth/jwks`)))
  if (Option.isNone(url)) return { check: "auth JWKS", verdict: "ok", detail: "not configured (BETTER_AUTH_URL / JWT_JWKS_URL unset)" } satisfies Check
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
  const url = yield* settings.REDIS_URL
  if (Option.isNone(url)) {
    return { check: "redis", verdict: "ok", detail: "not configured (REDIS_URL unset): each API process counts the rate limit alone" } satisfies Check
  }
  // Host, port and database: never the password.
  const where = `${url.value.protocol}//${url.value.hostname}:${url.value.port || "6379"}${url.value.pathname.length > 1 ? url.value.pathname : ""}`
  return yield* pingRedis(url.value).pipe(
    Effect.map((ms): Check => ({ check: "redis", verdict: "ok", detail: `${where} answers PING in ${ms.toFixed(1)} ms (median of ${PINGS})` })),
    Effect.catchAll((error) => Effect.succeed<Check>({ check: "redis", verdict: "fail", detail: `${where}: ${error.message}` }))
  )
})

/** A setting that does not parse is reported by the configuration check; the others then fail on it too. */
const orConfigFailure = (check: string) => <E>(self: Effect.Effect<Check, E>) =>
  Effect.catchAll(self, (error) => Effect.succeed<Check>({ check, verdict: "fail", detail: `configuration: ${String(error)}` }))

const columns: ReadonlyArray<Column<Check>> = [
  { header: "VERDICT", cell: (check) => check.verdict },
  { header: "CHECK", cell: (check) => check.check },
  { header: "DETAIL", cell: (check) => check.detail }
]

const doctor = (options: { readonly json?: true }) =>
  Effect.gen(function*() {
    const checks = yield* Effect.all([
      configuration,
      orConfigFailure("database")(database),
      orConfigFailure("auth secret")(secret),
      orConfigFailure("auth JWKS")(jwks),
      orConfigFailure("redis")(redis)
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
