/**
 * How a database failure reaches the port: always a `RepositoryUnavailable` whose reason
 * names the kind of failure, never the SQL, the parameters or the connection string.
 */
import { SqlError } from "@effect/sql/SqlError"
import { RepositoryUnavailable } from "@todo/core"
import { Duration, Effect, Option } from "effect"

const UNREACHABLE = "the database cannot be reached"

/** The SQLSTATE of an error the server sent; socket errors (`EPIPE`, `ECONNREFUSED`) have none. */
const sqlStateOf = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null || !("severity" in cause) || !("code" in cause)) return undefined
  return typeof cause.code === "string" ? cause.code : undefined
}

export const unavailableFrom = (error: SqlError): RepositoryUnavailable => {
  const state = sqlStateOf(error.cause)
  // Class 08 is a broken connection; 57P0x a server shutting down; 53300 a full server.
  if (state === undefined || state.startsWith("08") || state.startsWith("57P0") || state === "53300") {
    return new RepositoryUnavailable({ reason: UNREACHABLE })
  }
  if (state === "57014") return new RepositoryUnavailable({ reason: "the database cancelled a slow statement" })
  return new RepositoryUnavailable({ reason: `the database refused the operation (SQLSTATE ${state})` })
}

/**
 * Bounds an operation in time and turns every SQL failure into `RepositoryUnavailable`,
 * including the ones @effect/sql raises as defects (a failed COMMIT or ROLLBACK).
 * Interrupting a pg statement cancels it on the server.
 */
export const guarded = (timeout: Duration.DurationInput) =>
<A, E, R>(self: Effect.Effect<A, E | SqlError, R>): Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R> =>
  self.pipe(
    Effect.catchIf(
      (error): error is SqlError => error instanceof SqlError,
      (error) => Effect.fail(unavailableFrom(error))
    ),
    Effect.catchSomeDefect((defect) =>
      defect instanceof SqlError ? Option.some(Effect.fail(unavailableFrom(defect))) : Option.none()
    ),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => new RepositoryUnavailable({ reason: "the database did not answer in time" })
    })
  ) as Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R>
