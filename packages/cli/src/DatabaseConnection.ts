/**
 * The database chosen exactly as `Database.layer` chooses it (DATABASE_URL, else the embedded
 * one in DATA_DIR), but not migrated on connect: `migrate` and `doctor` must see what is pending.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { RepositoryUnavailable } from "@todo/core"
import { Database, PgliteClient } from "@todo/postgres"
import { Config, type ConfigError, Effect, Layer, Option, Redacted } from "effect"

export const layer: Layer.Layer<SqlClient, RepositoryUnavailable | ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.gen(function*() {
    const url = yield* Config.option(Config.redacted("DATABASE_URL"))
    const dataDir = yield* Config.string("DATA_DIR").pipe(Config.withDefault("./.data"))
    return Option.filter(url, (url) => Redacted.value(url).trim() !== "").pipe(
      Option.match({ onSome: Database.serverLayer, onNone: () => PgliteClient.layer(dataDir) })
    )
  })
)
