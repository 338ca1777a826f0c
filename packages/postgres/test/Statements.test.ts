/** The statements of a request on a server's pool: rows back, each failure reported, each connection looked after. */
import { describe, expect, it } from "@effect/vitest"
import { StatementRefused, Statements } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { Cause, Duration, Effect, Exit, Fiber, Option } from "effect"
import pg from "pg"

interface Backend {
  readonly pid: number
}

/** A pool of one connection, so which connection serves the next statement is known. */
const onePool = (url: string) =>
  Effect.acquireRelease(
    Effect.sync(() => new pg.Pool({ connectionString: url, max: 1 })),
    (pool) => Effect.promise(() => pool.end())
  )

const backendOf = (runner: Statements.StatementRunner) =>
  Effect.map(runner.rows<Backend>("SELECT pg_backend_pid() AS pid", []), ([row]) => row!.pid)

describeOnPostgres("Statements on a PostgreSQL pool", (url) => {
  it.scoped("a statement's rows come back, with its parameters bound", () =>
    Effect.gen(function*() {
      const runner = Statements.onPool(yield* onePool(url))
      const rows = yield* runner.rows<{ sum: number }>("SELECT $1::integer + $2::integer AS sum", [2, 3])
      expect(rows).toEqual([{ sum: 5 }])
    }))

  it.scoped("a statement the server refuses is a defect, and its connection serves the next one", () =>
    Effect.gen(function*() {
      const runner = Statements.onPool(yield* onePool(url))
      const before = yield* backendOf(runner)
      const exit = yield* Effect.exit(runner.rows("SELECT 1 / 0", []))
      expect(Exit.isFailure(exit) && Cause.dieOption(exit.cause)).toEqual(Option.some(expect.any(StatementRefused)))
      expect(yield* backendOf(runner)).toBe(before)
    }))

  it.scoped("a late statement fails at the bound and takes its connection down with it", () =>
    Effect.gen(function*() {
      const runner = Statements.onPool(yield* onePool(url), Duration.millis(200))
      const before = yield* backendOf(runner)
      const started = Date.now()
      const error = yield* Effect.flip(runner.rows("SELECT pg_sleep(5)", []))
      expect(error.reason).toBe("the database did not answer in time")
      expect(Date.now() - started).toBeLessThan(1_000)
      // A new connection, not the one still busy with the stuck statement.
      expect(yield* backendOf(runner)).not.toBe(before)
    }), { timeout: 10_000 })

  it.scopedLive("an interrupted caller lets its statement finish, and the connection goes back to the pool", () =>
    Effect.gen(function*() {
      const pool = yield* onePool(url)
      const runner = Statements.onPool(pool)
      const before = yield* backendOf(runner)
      const caller = yield* Effect.fork(runner.rows("SELECT pg_sleep(0.3)", []))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(caller)
      expect(yield* backendOf(runner)).toBe(before)
      expect(pool.totalCount).toBe(1)
    }), { timeout: 10_000 })
})

describe("Statements on a pool that cannot connect", () => {
  it.scoped("fail as an unreachable database", () =>
    Effect.gen(function*() {
      const pool = yield* Effect.acquireRelease(
        Effect.sync(() => new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none", max: 1 })),
        (pool) => Effect.promise(() => pool.end())
      )
      const error = yield* Effect.flip(Statements.onPool(pool).rows("SELECT 1", []))
      expect(error.reason).toBe("the database cannot be reached")
    }))
})
