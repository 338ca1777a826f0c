/**
 * An in-process `SqlClient` over PGlite, the embedded PostgreSQL. PGlite is a single
 * connection, so one permit guards it: a statement holds it while it runs, a transaction
 * from BEGIN to COMMIT, and no other fiber's statement can land inside a transaction.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type { PGlite } from "@electric-sql/pglite"
import * as PgClient from "@effect/sql-pg/PgClient"
import { make as makeSqlClient, SqlClient } from "@effect/sql/SqlClient"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import { RepositoryUnavailable } from "@todo/core"
import { Effect, Layer, Stream } from "effect"
import { mkdir } from "node:fs/promises"
import { resolve } from "node:path"
import * as DataDirLock from "./DataDirLock.js"
import * as Statements from "./Statements.js"
import { parseTimestamptz } from "./Timestamptz.js"

const connectionOf = (db: PGlite, guard: <A>(self: Effect.Effect<A, SqlError>) => Effect.Effect<A, SqlError>) => {
  const query = <A>(run: () => Promise<A>) =>
    guard(Effect.tryPromise({
      try: run,
      catch: (cause) => new SqlError({ cause, message: "Failed to execute statement" })
    }))
  const rows = (sql: string, params: ReadonlyArray<unknown>) =>
    Effect.map(query(() => db.query<any>(sql, params as Array<unknown>)), (result) => result.rows)
  const connection: Connection = {
    execute: (sql, params, transformRows) => transformRows ? Effect.map(rows(sql, params), transformRows) : rows(sql, params),
    executeRaw: (sql, params) => query(() => db.query(sql, params as Array<unknown>)),
    executeValues: (sql, params) =>
      Effect.map(
        query(() => db.query<Array<unknown>>(sql, params as Array<unknown>, { rowMode: "array" })),
        (result) => result.rows
      ),
    executeUnprepared: (sql, params, transformRows) => connection.execute(sql, params, transformRows),
    executeStream: (sql, params, transformRows) => Stream.fromIterableEffect(connection.execute(sql, params, transformRows))
  }
  return connection
}

const TIMESTAMPTZ = 1184

/** Options for `PGlite.create` that read values back as the `pg` driver does. */
const pgliteOptions = { parsers: { [TIMESTAMPTZ]: parseTimestamptz } }

export const make = (db: PGlite): Effect.Effect<SqlClient, never, Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const permit = yield* Effect.makeSemaphore(1)
    const transactionConnection = connectionOf(db, (self) => self)
    return yield* makeSqlClient({
      acquirer: Effect.succeed(connectionOf(db, permit.withPermits(1))),
      transactionAcquirer: Effect.acquireRelease(permit.take(1), () => permit.release(1)).pipe(
        Effect.as(transactionConnection)
      ),
      compiler: PgClient.makeCompiler(),
      spanAttributes: [["db.system.name", "postgresql"]]
    })
  })

/**
 * PGlite keeps its files in `dataDir` (created if missing), locked against every other opener
 * while the layer lives; PGlite itself is loaded only when this layer is built.
 */
export const layer = (dataDir: string): Layer.Layer<SqlClient | Statements.Statements, RepositoryUnavailable> =>
  Statements.layerFromSqlClient.pipe(Layer.provideMerge(sqlClientLayer(dataDir)))

const sqlClientLayer = (dataDir: string): Layer.Layer<SqlClient, RepositoryUnavailable> =>
  Layer.scoped(
    SqlClient,
    Effect.gen(function*() {
      const path = resolve(dataDir)
      const cannotOpen = () => new RepositoryUnavailable({ reason: `the embedded database in ${path} could not be opened` })
      yield* Effect.tryPromise({ try: () => mkdir(path, { recursive: true }), catch: cannotOpen })
      yield* DataDirLock.acquire(path)
      const db = yield* Effect.acquireRelease(
        Effect.tryPromise({
          try: async () => {
            const { PGlite } = await import("@electric-sql/pglite")
            return await PGlite.create(path, pgliteOptions)
          },
          catch: cannotOpen
        }),
        (db) =>
          Effect.tryPromise(() => db.close()).pipe(
            Effect.catchAll((error) => Effect.logWarning("the embedded database did not close cleanly", error))
          )
      )
      return yield* make(db)
    })
  ).pipe(Layer.provide(Reactivity.layer))
