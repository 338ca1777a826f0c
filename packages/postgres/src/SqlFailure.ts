/**
 * How a database failure reaches the port. Only the database failing to serve (it cannot be
 * reached, is out of resources, or gave up in time) is `RepositoryUnavailable`, which clients
 * are told to retry. Any other error the server reports is a statement it refused, and since
 * every input is validated before it gets there, that is a bug: a defect (`StatementRefused`),
 * answered 500 and logged, never a 503 that a client would retry for ever.
 */
import { SqlError } from "@effect/sql/SqlError"
import { RepositoryUnavailable } from "@todo/core"
import { ConfigError, Duration, Effect, FiberId, Option, Queue } from "effect"

const UNREACHABLE = "the database cannot be reached"

/**
 * The SQLSTATEs (a class, or one condition) that mean the database cannot serve now, whatever
 * was asked of it (PostgreSQL's Appendix A); every other one is refused as a defect.
 */
const UNAVAILABLE: ReadonlyArray<readonly [state: string, reason: string]> = [
  // Connection exception: the connection failed, or was refused or broken.
  ["08", UNREACHABLE],
  // Invalid authorization specification, and a database that does not exist: our connection refused.
  ["28", "the database refused the connection's credentials"],
  ["3D000", "the database named in DATABASE_URL does not exist"],
  // Insufficient resources: too many connections, out of memory, disk full.
  ["53", "the database is out of resources"],
  // Shutting down, crashed, starting up, dropped, or an idle session timed out.
  ["57P0", "the database is shutting down or starting up"],
  ["57014", "the database cancelled a slow statement"],
  ["55P03", "the database gave up waiting for a lock"],
  // A transaction that met a concurrent one: the same request, retried, succeeds.
  ["40001", "the database gave up on a transaction that conflicted with another"],
  ["40P01", "the database gave up on a transaction that conflicted with another"],
  // A read-only server: a standby, as during a failover.
  ["25006", "the database takes no writes"],
  // System and I/O errors of the server's machine.
  ["58000", "the database's machine failed"],
  ["58030", "the database's machine failed"]
]

interface ServerError {
  readonly code: string
  readonly table?: string | undefined
  readonly column?: string | undefined
  readonly constraint?: string | undefined
  readonly routine?: string | undefined
  readonly message?: string | undefined
}

/** An error the server sent, with its SQLSTATE; socket errors (`EPIPE`, `ECONNREFUSED`) are not. */
const serverErrorOf = (cause: unknown): ServerError | undefined =>
  typeof cause === "object" && cause !== null && "severity" in cause && "code" in cause &&
    typeof cause.code === "string"
    ? cause as ServerError
    : undefined

/**
 * A statement the database refused for what it was asked, not for being unable to serve. It
 * names the SQLSTATE, the table, column or constraint and the server routine that raised it,
 * but not the server's message, which may quote the data.
 */
export class StatementRefused extends Error {
  readonly _tag = "StatementRefused"
  readonly sqlState: string
  constructor(error: ServerError) {
    const where = [
      error.table === undefined ? undefined : `table ${error.table}`,
      error.column === undefined ? undefined : `column ${error.column}`,
      error.constraint === undefined ? undefined : `constraint ${error.constraint}`,
      error.routine === undefined ? undefined : `raised in ${error.routine}`
    ].filter((part) => part !== undefined)
    super(`the database refused a statement with SQLSTATE ${error.code}${where.length > 0 ? ` (${where.join(", ")})` : ""}`)
    this.name = "StatementRefused"
    this.sqlState = error.code
  }
}

/** The OS's code of a socket or DNS failure (`ECONNREFUSED`, `ENOTFOUND`), for an operator. */
const osCodeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/** What the driver threw: the database unable to serve, or a statement it refused. */
export const classify = (cause: unknown): RepositoryUnavailable | StatementRefused => {
  const error = serverErrorOf(cause)
  // No SQLSTATE: the driver's own failure, to connect, in time, or on a connection that broke.
  if (error === undefined) return new RepositoryUnavailable({ reason: UNREACHABLE, code: osCodeOf(cause) })
  const unavailable = UNAVAILABLE.find(([state]) => error.code.startsWith(state))
  return unavailable === undefined
    ? new StatementRefused(error)
    : new RepositoryUnavailable({ reason: `${unavailable[1]} (SQLSTATE ${error.code})` })
}

/** A classified failure as the port reports it: a failure to retry, or a defect. */
export const reported = (failure: RepositoryUnavailable | StatementRefused): Effect.Effect<never, RepositoryUnavailable> =>
  failure instanceof StatementRefused ? Effect.die(failure) : Effect.fail(failure)

/** What the driver threw, as the port reports it. */
export const failureOf = (cause: unknown): Effect.Effect<never, RepositoryUnavailable> => reported(classify(cause))

/** The server's own words and SQLSTATE, for a failure that has no request data in it. */
export const serverMessageOf = (cause: unknown): string => {
  const error = serverErrorOf(cause)
  return error === undefined ? String(cause) : `${error.message ?? "refused"} (SQLSTATE ${error.code})`
}

/** Refusals no retry can fix: credentials the server does not accept (28000, 28P01), a database it does not have (3D000). */
const REFUSED_URL_STATES: ReadonlySet<string> = new Set(["28000", "28P01", "3D000"])

/**
 * Why a server could not be connected to at start-up: DATABASE_URL itself when the server refused
 * it (in the server's own words, which name the user or the database, never the password), at
 * once; else as at any other time (unavailable, which start-up retries).
 */
export const connectFailure = (cause: unknown): Effect.Effect<never, RepositoryUnavailable | ConfigError.ConfigError> => {
  const error = serverErrorOf(cause)
  return error !== undefined && REFUSED_URL_STATES.has(error.code)
    ? Effect.fail(ConfigError.InvalidData(["DATABASE_URL"], `the server refused it: ${serverMessageOf(cause)}`))
    : failureOf(cause)
}

export const late = () => new RepositoryUnavailable({ reason: "the database did not answer in time" })

/** Every SQL failure classified, with the ones @effect/sql raises as defects (a failed COMMIT or ROLLBACK). */
const classified = <A, E, R>(
  self: Effect.Effect<A, E | SqlError, R>
): Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R> =>
  self.pipe(
    Effect.catchIf(
      (error): error is SqlError => error instanceof SqlError,
      (error) => failureOf(error.cause)
    ),
    Effect.catchSomeDefect((defect) => defect instanceof SqlError ? Option.some(failureOf(defect.cause)) : Option.none())
  ) as Effect.Effect<A, Exclude<E, SqlError> | RepositoryUnavailable, R>

/**
 * Bounds an operation in time and classifies every SQL failure: `RepositoryUnavailable`, or a defect.
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
