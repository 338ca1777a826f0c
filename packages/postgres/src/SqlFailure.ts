/**
 * How a database failure reaches the port: always a `RepositoryUnavailable` whose reason
 * names the kind of failure, never the SQL, the parameters or the connection string.
 */
import { SqlError } from "@effect/sql/SqlError"
import { RepositoryUnavailable } from "@todo/core"
import { Duration, Effect, FiberId, Option, Queue } from "effect"

const UNREACHABLE = "the database cannot be reached"

/** The SQLSTATE of an error the server sent; socket errors (`EPIPE`, `ECONNREFUSED`) have none. */
const sqlStateOf = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null || !("severity" in cause) || !("code" in cause)) return undefined
  return typeof cause.code === "string" ? cause.code : undefined
}

/** An error the server reported (a constraint, a cancelled statement), as opposed to a broken connection. */
export const isServerError = (cause: unknown): boolean => sqlStateOf(cause) !== undefined

export const unavailableFrom = (error: SqlError): RepositoryUnavailable => unavailableFromCause(error.cause)

/** What the driver threw, as the port reports it. */
export const unavailableFromCause = (cause: unknown): RepositoryUnavailable => {
  const state = sqlStateOf(cause)
  // Class 08 is a broken connection; 57P0x a server shutting down; 53300 a full server.
  if (state === undefined || state.startsWith("08") || state.startsWith("57P0") || state === "53300") {
    return new RepositoryUnavailable({ reason: UNREACHABLE })
  }
  if (state === "57014") return new RepositoryUnavailable({ reason: "the database cancelled a slow statement" })
  return new RepositoryUnavailable({ reason: `the database refused the operation (SQLSTATE ${state})` })
}

export const late = () => new RepositoryUnavailable({ reason: "the database did not answer in time" })

/** Every SQL failure as `RepositoryUnavailable`, with the ones @effect/sql raises as defects (a failed COMMIT or ROLLBACK). */
const classified = <A, E, R>(
  self: Effect.Effect<A, E | SqlError, R>
): Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R> =>
  self.pipe(
    Effect.catchIf(
      (error): error is SqlError => error instanceof SqlError,
      (error) => Effect.fail(unavailableFrom(error))
    ),
    Effect.catchSomeDefect((defect) =>
      defect instanceof SqlError ? Option.some(Effect.fail(unavailableFrom(defect))) : Option.none()
    )
  ) as Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R>

/**
 * Bounds an operation in time and turns every SQL failure into `RepositoryUnavailable`.
 *
 * A late operation is interrupted in the background: interrupting a pg statement cancels it
 * on the server over a new connection, which can itself wait for the connect timeout. This runs
 * on every request, so it is one fiber and one timer rather than `disconnect` + `timeoutFail`
 * (four fibers and a `Clock` sleep, ~100 µs of CPU a call).
 */
export const guarded = (timeout: Duration.DurationInput) => {
  const millis = Duration.toMillis(timeout)
  return <A, E, R>(
    self: Effect.Effect<A, E | SqlError, R>
  ): Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R> =>
    Effect.flatMap(Effect.forkDaemon(classified(self)), (operation) =>
      Effect.async((resume) => {
        const timer = setTimeout(() => {
          operation.unsafeInterruptAsFork(FiberId.none)
          resume(Effect.fail(late()))
        }, millis)
        operation.addObserver((exit) => {
          clearTimeout(timer)
          resume(exit)
        })
        return Effect.sync(() => {
          clearTimeout(timer)
          operation.unsafeInterruptAsFork(FiberId.none)
        })
      }))
}

/**
 * `guarded` for an operation made of steps, such as a transaction of many statements: it is
 * late when `timeout` passes without a step done, however long it runs in all. `operation`
 * is given the effect that marks a step done.
 */
export const guardedSteps = (timeout: Duration.DurationInput) =>
<A, E, R>(
  operation: (stepDone: Effect.Effect<void>) => Effect.Effect<A, E | SqlError, R>
): Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R> =>
  Effect.gen(function*() {
    const steps = yield* Queue.sliding<void>(1)
    const watchdog = Effect.forever(Effect.timeoutFail(Queue.take(steps), { duration: timeout, onTimeout: late }))
    return yield* classified(operation(Queue.offer(steps, undefined))).pipe(
      Effect.disconnect,
      Effect.raceFirst(watchdog)
    )
  })
