/**
 * How the repository runs the statements of a request: one SQL text with its parameters, the
 * rows back, bounded in time, every failure classified (`RepositoryUnavailable`, or a defect).
 * On a server they go straight to the `pg` pool that `@effect/sql-pg` runs on, under one timer:
 * the statement layer of `@effect/sql` (span, scope, compiler) and a watchdog fiber per
 * operation cost more CPU than the query itself (README, Performance). Elsewhere they go
 * through the `SqlClient`.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { RepositoryUnavailable } from "@todo/core"
import { Context, Duration, Effect, Layer } from "effect"
import type { Pool, PoolClient } from "pg"
import { classify, failureOf, guarded, late, reported, StatementRefused } from "./SqlFailure.js"

export interface StatementRunner {
  readonly rows: <Row extends object>(
    text: string,
    params: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<Row>, RepositoryUnavailable>
}

export class Statements extends Context.Tag("@todo/postgres/Statements")<Statements, StatementRunner>() {}

/**
 * A slow or stuck database fails the statement instead of holding the caller: the bound
 * includes the 3 s connect timeout and leaves room for the rest of a request, so none waits
 * 5 s while the database is down.
 */
export const STATEMENT_TIMEOUT = Duration.millis(4_500)

/** Through the `SqlClient`, for PGlite: no network can hang there, but a long transaction can hold it. */
export const layerFromSqlClient: Layer.Layer<Statements, never, SqlClient> = Layer.effect(
  Statements,
  Effect.map(SqlClient, (sql) => {
    const guard = guarded(STATEMENT_TIMEOUT)
    return { rows: <Row extends object>(text: string, params: ReadonlyArray<unknown>) => guard(sql.unsafe<Row>(text, params)) }
  })
)

/**
 * On the pool. A statement that is late, or whose connection fails, takes its connection down
 * with it, so a query stuck on a silent network is not handed to the next caller. An
 * interrupted caller lets its statement finish and the connection go back to the pool.
 */
export const onPool = (pool: Pool, timeout: Duration.DurationInput = STATEMENT_TIMEOUT): StatementRunner => {
  const millis = Duration.toMillis(timeout)
  return {
    rows: <Row extends object>(text: string, params: ReadonlyArray<unknown>) =>
      Effect.async<ReadonlyArray<Row>, RepositoryUnavailable>((resume) => {
        let answered = false
        let client: PoolClient | undefined
        const answer = (effect: Effect.Effect<ReadonlyArray<Row>, RepositoryUnavailable>) => {
          answered = true
          clearTimeout(timer)
          resume(effect)
        }
        const release = (cause?: Error) => {
          client?.off("error", onConnectionError)
          client?.release(cause)
          client = undefined
        }
        function onConnectionError(cause: Error) {
          release(cause)
          if (!answered) answer(failureOf(cause))
        }
        const timer = setTimeout(() => {
          release(new Error("statement timed out"))
          answer(Effect.fail(late()))
        }, millis)
        pool.connect((cause, acquired) => {
          if (cause !== undefined || acquired === undefined) {
            return answered ? undefined : answer(failureOf(cause))
          }
          if (answered) return acquired.release()
          client = acquired
          acquired.on("error", onConnectionError)
          // Text and values, not a config object: pg copies a config object property by property.
          acquired.query(text, params as Array<unknown>, (cause: Error | null, result) => {
            if (client !== acquired) return
            if (cause === null) {
              release()
              return answered ? undefined : answer(Effect.succeed(result.rows as ReadonlyArray<Row>))
            }
            // A statement the server refused leaves its connection usable; after any other failure
            // (a server shutting down, a broken socket) it may not be.
            const failure = classify(cause)
            release(failure instanceof StatementRefused ? undefined : cause)
            if (!answered) answer(reported(failure))
          })
        })
        return Effect.sync(() => {
          answered = true
          clearTimeout(timer)
        })
      })
  }
}
