/**
 * Where the tasks live, decided once for every host: PostgreSQL at `DATABASE_URL`, else the
 * embedded PGlite in `DATA_DIR`. Either way the schema is migrated before anything is served;
 * `connectionLayer` is the same choice left unmigrated, for tools that report what is pending.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { SqlClient } from "@effect/sql/SqlClient"
import { RepositoryUnavailable, type TaskRepository } from "@todo/core"
import { Config, type ConfigError, Context, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import pg from "pg"
import * as PgliteClient from "./PgliteClient.js"
import * as PgTaskRepository from "./PgTaskRepository.js"
import { failureOf } from "./SqlFailure.js"
import * as Statements from "./Statements.js"
import { migrate, type MigrationFailed } from "./TaskMigrations.js"

const databaseUrl = Config.option(Config.redacted("DATABASE_URL")).pipe(
  // `DATABASE_URL=` in a .env file means "none", not an empty URL.
  Config.map(Option.filter((url) => Redacted.value(url).trim() !== ""))
)

/** The pool a server is reached through, shared by the `SqlClient` and the `Statements`. */
const poolOf = (url: Redacted.Redacted, maxConnections: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const pool = new pg.Pool({
        connectionString: Redacted.value(url),
        max: maxConnections,
        // Within the 4.5 s statement bound: a request fails in under 5 s while the database is down.
        connectionTimeoutMillis: 3_000,
        idleTimeoutMillis: 30_000,
        maxLifetimeSeconds: 30 * 60,
        application_name: "todo-api"
      })
      // An idle connection that fails is dropped by the pool; nobody is waiting on it.
      pool.on("error", () => {})
      return pool
    }),
    (pool) => Effect.promise(() => pool.end()).pipe(Effect.interruptible, Effect.timeoutOption("1 second"))
  )

/**
 * A pool for servers and for poolers such as Neon's: sslmode comes from the URL, statements
 * are unnamed (no prepared statements or session state outlive a transaction), and a refused
 * or lost connection fails the operation while the pool reconnects on the next one.
 */
export const serverLayer = (
  url: Redacted.Redacted
): Layer.Layer<SqlClient | Statements.Statements, RepositoryUnavailable | ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Config.integer("DATABASE_POOL_MAX").pipe(
      Config.withDefault(10),
      Config.validate({ message: "must be at least 1", validation: (max) => max >= 1 }),
      Effect.map((maxConnections) =>
        Layer.scopedContext(Effect.gen(function*() {
          const pool = yield* poolOf(url, maxConnections)
          const statements = Statements.onPool(pool)
          yield* statements.rows("SELECT 1", [])
          const sql = yield* PgClient.fromPool({ acquire: Effect.succeed(pool), applicationName: "todo-api" }).pipe(
            Effect.catchAll((error) => failureOf(error.cause))
          )
          return Context.make(SqlClient, sql).pipe(Context.add(Statements.Statements, statements))
        })).pipe(Layer.provide(Reactivity.layer))
      )
    )
  )

const embeddedLayer = Layer.unwrapEffect(
  Config.string("DATA_DIR").pipe(Config.withDefault("./.data"), Effect.map(PgliteClient.layer))
)

const connectDeadline = Config.integer("DATABASE_CONNECT_TIMEOUT_S").pipe(
  Config.withDefault(30),
  Config.validate({ message: "must be at least 0", validation: (seconds) => seconds >= 0 })
)

/** Why a database cannot be opened: only `RepositoryUnavailable` may pass with time. */
type OpenFailure = RepositoryUnavailable | MigrationFailed | ConfigError.ConfigError

/**
 * A server that cannot be reached at start (a suspended Neon compute wakes in seconds, a
 * database container starts beside the API) is tried again, 250 ms apart and doubling up
 * to 5 s, until `DATABASE_CONNECT_TIMEOUT_S` (default 30) have passed.
 */
const retriedAtStart = <R>(
  deadlineSeconds: number,
  self: Layer.Layer<R, OpenFailure>
) => {
  const schedule = Schedule.exponential("250 millis").pipe(
    Schedule.union(Schedule.spaced("5 seconds")),
    Schedule.upTo(Duration.seconds(deadlineSeconds)),
    Schedule.zipRight(Schedule.identity<OpenFailure>()),
    Schedule.whileOutput((error) => error._tag === "RepositoryUnavailable"),
    Schedule.onDecision((error, decision) =>
      decision._tag === "Continue" && error._tag === "RepositoryUnavailable"
        ? Effect.logWarning(`the database is not available yet, retrying: ${error.reason}`)
        : Effect.void
    )
  )
  return Layer.retry(self, schedule).pipe(
    Layer.mapError((error) =>
      error._tag === "RepositoryUnavailable"
        ? new RepositoryUnavailable({
          reason: `${error.reason} (gave up after ${deadlineSeconds} s, DATABASE_CONNECT_TIMEOUT_S)`
        })
        : error
    )
  )
}

const migrated = <E>(self: Layer.Layer<SqlClient | Statements.Statements, E>) =>
  self.pipe(Layer.tap((context) => Effect.provide(migrate, context)))

type Connection = Layer.Layer<SqlClient | Statements.Statements, OpenFailure>

/** The configured database, `prepare`d; on a server, retried at start through the preparation too. */
const configured = (prepare: (connection: Connection) => Connection): Connection =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const url = yield* databaseUrl
      if (Option.isNone(url)) return prepare(embeddedLayer)
      return retriedAtStart(yield* connectDeadline, prepare(serverLayer(url.value)))
    })
  )

/** The `SqlClient` chosen by configuration, as it is: no migration is applied. */
export const connectionLayer: Connection = configured((connection) => connection)

/** The `SqlClient` chosen by configuration, with every migration applied. */
export const sqlLayer: Connection = configured(migrated)

/** What a host needs: the `SqlClient` and the `TaskRepository` over it. */
export const layer: Layer.Layer<SqlClient | Statements.Statements | TaskRepository, OpenFailure> =
  PgTaskRepository.layer.pipe(Layer.provideMerge(sqlLayer))
