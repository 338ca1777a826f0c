/**
 * The HS256 secret the API verifies with: BETTER_AUTH_SECRET, or outside production the
 * development secret the API writes to ${DATA_DIR}/dev-secret when no auth is configured.
 */
import { Config, Effect, Option, Redacted } from "effect"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { CommandFailed } from "./CommandFailure.js"

/** The API refuses shorter secrets at start-up. */
export const MIN_SECRET_BYTES = 32

export interface SigningSecret {
  readonly key: Redacted.Redacted<Uint8Array>
  /** Where it came from, to tell the user: the variable's name or the file's path. */
  readonly source: string
}

const nonEmpty = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

export const configuredSecret = nonEmpty("BETTER_AUTH_SECRET").pipe(Config.map(Option.map(Redacted.make)))

export const isProduction = Config.string("NODE_ENV").pipe(Config.withDefault(""), Config.map((env) => env === "production"))

export const devSecretPath = Config.string("DATA_DIR").pipe(
  Config.withDefault("./.data"),
  Config.map((dir) => join(dir, "dev-secret"))
)

export const byteLength = (secret: Redacted.Redacted<string>) => Buffer.byteLength(Redacted.value(secret), "utf8")

const readDevSecret = (path: string) =>
  Effect.tryPromise(() => readFile(path, "utf8")).pipe(
    Effect.map((text) => Option.liftPredicate(text.trim(), (secret) => secret !== "")),
    Effect.orElseSucceed(() => Option.none<string>())
  )

const keyOf = (secret: Redacted.Redacted<string>, source: string) =>
  byteLength(secret) >= MIN_SECRET_BYTES
    ? Effect.succeed<SigningSecret>({ key: Redacted.make(new TextEncoder().encode(Redacted.value(secret))), source })
    : Effect.fail(new CommandFailed({
      message: `${source} is ${byteLength(secret)} bytes; the API needs at least ${MIN_SECRET_BYTES}`
    }))

export const signingSecret = Effect.gen(function*() {
  const configured = yield* configuredSecret
  if (Option.isSome(configured)) return yield* keyOf(configured.value, "BETTER_AUTH_SECRET")
  const path = yield* devSecretPath
  if (yield* isProduction) {
    return yield* new CommandFailed({ message: "BETTER_AUTH_SECRET is not set (required with NODE_ENV=production)" })
  }
  const dev = yield* readDevSecret(path)
  if (Option.isSome(dev)) return yield* keyOf(Redacted.make(dev.value), path)
  return yield* new CommandFailed({
    message: `BETTER_AUTH_SECRET is not set, and there is no development secret at ${path} ` +
      "(the API writes one when it starts without auth settings)"
  })
})
