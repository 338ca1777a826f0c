/**
 * The HS256 secret that stands in, outside production, when no auth mode is configured: kept in
 * `DATA_DIR/dev-secret`, so development tokens survive restarts. The API makes it; `todo-admin
 * token` signs with it.
 */
import { Cause, ConfigError, Effect, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"

export interface DevelopmentSecret {
  readonly secret: Redacted.Redacted<string>
  readonly file: string
}

/** The verifier refuses shorter secrets, whatever their source. */
export const MIN_SECRET_BYTES = 32

export const isLongEnough = (secret: string): boolean => Buffer.byteLength(secret, "utf8") >= MIN_SECRET_BYTES

export const fileIn = (dataDir: string): string => join(dataDir, "dev-secret")

const usable = (file: string) => (text: string) =>
  isLongEnough(text)
    ? Effect.succeed<DevelopmentSecret>({ secret: Redacted.make(text), file })
    : Effect.fail(ConfigError.InvalidData(["DATA_DIR"], `${file} holds no usable secret: delete it to have a new one generated`))

/** The secret of an earlier start, or a new one. */
export const keep = (dataDir: string): Effect.Effect<DevelopmentSecret, ConfigError.ConfigError> => {
  const file = fileIn(dataDir)
  return Effect.tryPromise({
    try: async () => {
      await mkdir(dataDir, { recursive: true })
      await writeFile(file, `${randomBytes(32).toString("base64url")}\n`, { flag: "wx", mode: 0o600 }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error
        }
      )
      return (await readFile(file, "utf8")).trim()
    },
    catch: (error) => ConfigError.SourceUnavailable(["DATA_DIR"], `cannot keep the development secret in ${file}`, Cause.fail(error))
  }).pipe(Effect.flatMap(usable(file)))
}

/** The secret an API on `dataDir` has made, if it has made one. */
export const read = (dataDir: string): Effect.Effect<Option.Option<DevelopmentSecret>, ConfigError.ConfigError> => {
  const file = fileIn(dataDir)
  return Effect.promise(() => readFile(file, "utf8").then((text) => text.trim(), () => "")).pipe(
    Effect.flatMap((text) => (text === "" ? Effect.succeedNone : Effect.asSome(usable(file)(text))))
  )
}
