/**
 * Where the tasks live, decided once for every host by `DatabaseConfig`: PostgreSQL at
 * `DATABASE_URL`, else the embedded PGlite in `DATA_DIR`. Either way the schema is migrated
 * before anything is served; `connectionLayer` is the same choice left unmigrated, for tools
 * that report what is pending.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { SqlClient } from "@effect/sql/SqlClient"
import { RepositoryUnavailable, type TaskRepository } from "@todo/core"
import { DatabaseConfig } from "@todo/config"
import { type ConfigError, Context, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import pg from "pg"
import * as PgliteClient from "./PgliteClient.js"
import * as PgTaskRepository from "./PgTaskRepository.js"
import { connectFailure, failureOf } from "./SqlFailure.js"
import * as Statements from "./Statements.js"
import { migrate, type MigrationFailed } from "./TaskMigrations.js"

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
  url: Redacted.Redacted,
  maxConnections: number
): Layer.Layer<SqlClient | Statements.Statements, RepositoryUnavailable | ConfigError.ConfigError> =>
  Layer.scopedContext(Effect.gen(function*() {
    const pool = yield* poolOf(url, maxConnections)
    yield* connected(pool)
    const statements = Statements.onPool(pool)
    yield* statements.rows("SELECT 1", [])
    const sql = yield* PgClient.fromPool({ acquire: Effect.succeed(pool), applicationName: "todo-api" }).pipe(
      Effect.catchAll((error) => failureOf(error.cause))
    )
    return Context.make(SqlClient, sql).pipe(Context.add(Statements.Statements, statements))
  })).pipe(Layer.provide(Reactivity.layer))

/** One connection made and given back (within the pool's connect timeout), to tell a refused URL from an unreachable server. */
const connected = (pool: pg.Pool) =>
  Effect.async<void, RepositoryUnavailable | ConfigError.ConfigError>((resume) => {
    pool.connect((cause, _client, release) => {
      if (cause === undefined) {
        release()
        resume(Effect.void)
      } else {
        resume(connectFailure(cause))
      }
    })
  })

/** Why a database cannot be opened: only `RepositoryUnavailable` may pass with time. */
type OpenFailure = RepositoryUnavailable | MigrationFailed | ConfigError.ConfigError

/**
 * A server that cannot be reached at start (a suspended Neon compute wakes in seconds, a
 * database container starts beside the API) is tried again, 250 ms apart and doubling up
 * to 5 s, until `DATABASE_CONNECT_TIMEOUT_S` (default 30) have passed.
 */
const retriedAtStart = <R>(
  deadlineSeconds: number,
  address: string,
  self: Layer.Layer<R, OpenFailure>
) => {
  const schedule = Schedule.exponential("250 millis").pipe(
    Schedule.union(Schedule.spaced("5 seconds")),
    Schedule.upTo(Duration.seconds(deadlineSeconds)),
    Schedule.zipRight(Schedule.identity<OpenFailure>()),
    Schedule.whileOutput((error) => error._tag === "RepositoryUnavailable"),
    Schedule.onDecision((error, decision) =>
      decision._tag === "Continue" && error._tag === "RepositoryUnavailable"
        ? Effect.logWarning(`the database is not available yet, retrying: ${error.reason}`).pipe(
          Effect.annotateLogs({ database: address, code: error.code ?? null })
        )
        : Effect.void
    )
  )
  return Layer.retry(self, schedule).pipe(
    Layer.mapError((error) =>
      error._tag === "RepositoryUnavailable"
        ? new RepositoryUnavailable({
          reason: `${error.reason} (gave up after ${deadlineSeconds} s, DATABASE_CONNECT_TIMEOUT_S)`,
          code: error.code
        })
        : error
    )
  )
}

const migrated = <E>(self: Layer.Layer<SqlClient | Statements.Statements, E>) =>
  self.pipe(Layer.tap((context) => Effect.provide(migrate, context)))

type Connection = Layer.Layer<SqlClient | Statements.Statements, OpenFailure>

/** The database `config` names, `prepare`d; on a server, retried at start through the preparation too. */
const configured = (prepare: (connection: Connection) => Connection) => (config: DatabaseConfig.DatabaseConfig): Connection =>
  Option.match(config.url, {
    onNone: () => prepare(PgliteClient.layer(config.dataDir)),
    onSome: (url) => retriedAtStart(config.connectTimeoutSeconds, DatabaseConfig.addressOf(url), prepare(serverLayer(url, config.poolMax)))
  })

const fromEnvironment = <A, E, R>(make: (config: DatabaseConfig.DatabaseConfig) => Layer.Layer<A, E, R>) =>
  Layer.unwrapEffect(Effect.map(DatabaseConfig.config, make))

/** The `SqlClient` of the configured database, as it is: no migration is applied. */
export const connectionLayer: Connection = fromEnvironment(configured((connection) => connection))

/** The `SqlClient` of the configured database, with every migration applied. */
export const sqlLayer: Connection = fromEnvironment(configured(migrated))

/** What a host needs: the `SqlClient` and the `TaskRepository` over it, for the database `config` names. */
export const layerOf = (
  config: DatabaseConfig.DatabaseConfig
): Layer.Layer<SqlClient | Statements.Statements | TaskRepository, OpenFailure> =>
  PgTaskRepository.layer.pipe(Layer.provideMerge(configured(migrated)(config)))

/** `layerOf` the database the environment names (DATABASE_URL, DATA_DIR, …). */
export const layer = fromEnvironment(layerOf)
