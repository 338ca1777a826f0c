/**
 * Where the tasks live, decided once for every host: PostgreSQL at `DATABASE_URL`, else the
 * embedded PGlite in `DATA_DIR`. Either way the schema is migrated before anything is served.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { SqlClient } from "@effect/sql/SqlClient"
import { type RepositoryUnavailable, type TaskRepository } from "@todo/core"
import { Config, type ConfigError, Effect, Layer, Option, Redacted } from "effect"
import * as PgliteClient from "./PgliteClient.js"
import * as PgTaskRepository from "./PgTaskRepository.js"
import { unavailableFrom } from "./SqlFailure.js"
import { migrate } from "./TaskMigrations.js"

const databaseUrl = Config.option(Config.redacted("DATABASE_URL")).pipe(
  // `DATABASE_URL=` in a .env file means "none", not an empty URL.
  Config.map(Option.filter((url) => Redacted.value(url).trim() !== ""))
)

/**
 * A pool for servers and for poolers such as Neon's: sslmode comes from the URL, statements
 * are unnamed (no prepared statements or session state outlive a transaction), and a refused
 * or lost connection fails the operation while the pool reconnects on the next one.
 */
export const serverLayer = (url: Redacted.Redacted): Layer.Layer<SqlClient, RepositoryUnavailable | ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Config.integer("DATABASE_POOL_MAX").pipe(
      Config.withDefault(10),
      Config.validate({ message: "must be at least 1", validation: (max) => max >= 1 }),
      Effect.map((maxConnections) =>
        PgClient.layer({
          url,
          maxConnections,
          connectTimeout: "5 seconds",
          idleTimeout: "30 seconds",
          connectionTTL: "30 minutes",
          applicationName: "todo-api"
        })
      )
    )
  ).pipe(
    Layer.catchAll((error) =>
      Layer.fail(error._tag === "SqlError" ? unavailableFrom(error) : error)
    ),
    Layer.project(SqlClient, SqlClient, (client) => client)
  )

const embeddedLayer = Layer.unwrapEffect(
  Config.string("DATA_DIR").pipe(Config.withDefault("./.data"), Effect.map(PgliteClient.layer))
)

/** The `SqlClient` chosen by configuration, with every migration applied. */
export const sqlLayer: Layer.Layer<SqlClient, RepositoryUnavailable | ConfigError.ConfigError> = Layer.unwrapEffect(
  Effect.map(databaseUrl, Option.match({ onSome: serverLayer, onNone: () => embeddedLayer }))
).pipe(Layer.tap((context) => Effect.provide(migrate, context)))

/** What a host needs: the `SqlClient` and the `TaskRepository` over it. */
export const layer: Layer.Layer<SqlClient | TaskRepository, RepositoryUnavailable | ConfigError.ConfigError> =
  PgTaskRepository.layer.pipe(Layer.provideMerge(sqlLayer))
