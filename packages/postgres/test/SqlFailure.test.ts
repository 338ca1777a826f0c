/**
 * Which database errors are the database failing to serve (`RepositoryUnavailable`, a 503 that
 * clients retry) and which are statements it refused (a defect: a 500 to fix). One statement per
 * SQLSTATE class, run on PGlite and on a PostgreSQL server, through both ways statements run.
 */
import { describe, expect, it } from "@effect/vitest"
import { RepositoryUnavailable } from "@todo/core"
import { Database, PgliteClient, StatementRefused, Statements } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { Cause, Effect, Exit, Layer, Option, Redacted } from "effect"
import pg from "pg"
import { freshSchemaUrl, temporaryDirectory } from "./TestDatabases.js"

type Verdict = "unavailable" | "refused"

interface Case {
  readonly sqlState: string
  readonly what: string
  readonly statement: string
  readonly params?: ReadonlyArray<unknown>
  readonly verdict: Verdict
}

/** A condition only a server in trouble raises, raised as the server raises it. */
const raised = (sqlState: string, what: string, verdict: Verdict): Case => ({
  sqlState,
  what,
  statement: `DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '${sqlState}'; END $$`,
  verdict
})

const SETUP = [
  "CREATE TABLE notes (id integer PRIMARY KEY, note text NOT NULL CHECK (note <> 'refused'))",
  "INSERT INTO notes VALUES (1, 'first')"
]

/** What the request's data, or a bug, makes the database refuse: never the database being unavailable. */
const REFUSED: ReadonlyArray<Case> = [
  { sqlState: "22021", what: "U+0000 in text", statement: "SELECT $1::text AS t", params: ["nul\u0000byte"], verdict: "refused" },
  { sqlState: "22008", what: "a date that does not exist", statement: "SELECT '2030-02-30'::date AS d", verdict: "refused" },
  { sqlState: "22012", what: "division by zero", statement: "SELECT 1 / 0 AS n", verdict: "refused" },
  { sqlState: "22P02", what: "text that is not a number", statement: "SELECT $1::integer AS n", params: ["x"], verdict: "refused" },
  { sqlState: "22003", what: "an integer out of range", statement: "SELECT 2147483647::integer + 1 AS n", verdict: "refused" },
  { sqlState: "23505", what: "a duplicate key", statement: "INSERT INTO notes VALUES (1, 'again')", verdict: "refused" },
  { sqlState: "23502", what: "a null where none may be", statement: "INSERT INTO notes VALUES (2, NULL)", verdict: "refused" },
  { sqlState: "23514", what: "a check constraint", statement: "INSERT INTO notes VALUES (3, 'refused')", verdict: "refused" },
  { sqlState: "42601", what: "a syntax error", statement: "SELEC 1", verdict: "refused" },
  { sqlState: "42P01", what: "a table that does not exist", statement: "SELECT * FROM nowhere", verdict: "refused" },
  { sqlState: "42883", what: "a function that does not exist", statement: "SELECT no_such_function() AS f", verdict: "refused" },
  { sqlState: "21000", what: "a subquery of many rows", statement: "SELECT (SELECT 1 UNION SELECT 2) AS n", verdict: "refused" },
  { sqlState: "P0001", what: "an exception a function raised", statement: "DO $$ BEGIN RAISE EXCEPTION 'no'; END $$", verdict: "refused" },
  raised("XX000", "an internal error", "refused"),
  raised("XX001", "corrupted data", "refused")
]

/** The database unable to serve, whatever it was asked. */
const UNAVAILABLE: ReadonlyArray<Case> = [
  raised("08006", "a connection failure", "unavailable"),
  raised("08P01", "a protocol violation", "unavailable"),
  raised("28P01", "credentials refused", "unavailable"),
  raised("3D000", "a database that does not exist", "unavailable"),
  raised("53300", "too many connections", "unavailable"),
  raised("53100", "a full disk", "unavailable"),
  raised("53200", "out of memory", "unavailable"),
  raised("57P01", "an administrator's shutdown", "unavailable"),
  raised("57P03", "a server starting up", "unavailable"),
  raised("57014", "a cancelled statement", "unavailable"),
  raised("55P03", "a lock not available in time", "unavailable"),
  raised("40001", "a serialization failure", "unavailable"),
  raised("40P01", "a deadlock", "unavailable"),
  raised("25006", "a read-only server", "unavailable"),
  raised("58030", "an I/O error", "unavailable")
]

/** `RepositoryUnavailable` naming the SQLSTATE, or a `StatementRefused` defect carrying it, and nothing else. */
const expectVerdict = <A>(exit: Exit.Exit<A, RepositoryUnavailable>, sqlState: string, verdict: Verdict) => {
  expect(Exit.isFailure(exit), `SQLSTATE ${sqlState} should fail`).toBe(true)
  if (Exit.isSuccess(exit)) return
  const failure = Cause.failureOption(exit.cause)
  const defect = Cause.dieOption(exit.cause)
  if (verdict === "unavailable") {
    expect(Option.getOrUndefined(defect), `SQLSTATE ${sqlState}`).toBeUndefined()
    expect(Option.getOrThrow(failure)).toBeInstanceOf(RepositoryUnavailable)
    expect(Option.getOrThrow(failure).reason).toContain(`(SQLSTATE ${sqlState})`)
  } else {
    expect(Option.getOrUndefined(failure), `SQLSTATE ${sqlState}`).toBeUndefined()
    const refused = Option.getOrThrow(defect)
    expect(refused).toBeInstanceOf(StatementRefused)
    expect((refused as StatementRefused).sqlState).toBe(sqlState)
  }
}

const runEvery = (runner: Statements.StatementRunner, cases: ReadonlyArray<Case>) =>
  Effect.forEach(
    cases,
    (one) => Effect.map(Effect.exit(runner.rows(one.statement, one.params ?? [])), (exit) => expectVerdict(exit, one.sqlState, one.verdict))
  )

const setUp = (runner: Statements.StatementRunner) => Effect.forEach(SETUP, (statement) => runner.rows(statement, []))

describe("database errors on PGlite (its statements run through its SqlClient)", () => {
  const embedded = Layer.unwrapScoped(Effect.map(temporaryDirectory, PgliteClient.layer))

  it.layer(embedded, { timeout: "60 seconds" })((it) => {
    it.effect("what the request's data or a bug makes the database refuse is a defect, class by class", () =>
      Effect.gen(function*() {
        const runner = yield* Statements.Statements
        yield* setUp(runner)
        yield* runEvery(runner, REFUSED)
        // The database is still there for the next statement.
        expect(yield* runner.rows("SELECT count(*)::integer AS n FROM notes", [])).toEqual([{ n: 1 }])
      }))

    it.effect("the database unable to serve is RepositoryUnavailable, class by class", () =>
      Effect.flatMap(Statements.Statements, (runner) => runEvery(runner, UNAVAILABLE)))
  })
})

/** A pool of one connection to `url`, with `options` (`-c name=value …`) added to the URL's. */
const poolTo = (url: string, options = "") =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const target = new URL(url)
      if (options !== "") target.searchParams.set("options", `${target.searchParams.get("options") ?? ""} ${options}`.trim())
      const pool = new pg.Pool({ connectionString: target.toString(), max: 1, connectionTimeoutMillis: 3_000 })
      pool.on("error", () => {})
      return pool
    }),
    (pool) => Effect.promise(() => pool.end())
  )

describeOnPostgres("database errors on a PostgreSQL server", (serverUrl) => {
  /** A fresh schema holding the `notes` table, its URL, and the two ways statements run on it. */
  const prepared = Effect.gen(function*() {
    const url = yield* freshSchemaUrl
    const context = yield* Layer.build(Database.serverLayer(Redacted.make(url), 2))
    const onPool = yield* Effect.provide(Statements.Statements, context)
    const throughSqlClient = yield* Effect.provide(
      Statements.Statements,
      Statements.layerFromSqlClient.pipe(Layer.provide(Layer.succeedContext(context)))
    )
    yield* setUp(onPool)
    return { url, onPool, throughSqlClient }
  })

  it.scoped(
    "what the request's data or a bug makes the database refuse is a defect, class by class, on the pool and through the SqlClient",
    () =>
      Effect.gen(function*() {
        const { onPool, throughSqlClient } = yield* prepared
        yield* runEvery(onPool, REFUSED)
        yield* runEvery(throughSqlClient, REFUSED)
        expect(yield* onPool.rows("SELECT count(*)::integer AS n FROM notes", [])).toEqual([{ n: 1 }])
      }),
    { timeout: 30_000 }
  )

  it.scoped(
    "the database unable to serve is RepositoryUnavailable, class by class, on the pool and through the SqlClient",
    () =>
      Effect.gen(function*() {
        const { onPool, throughSqlClient } = yield* prepared
        yield* runEvery(onPool, UNAVAILABLE)
        yield* runEvery(throughSqlClient, UNAVAILABLE)
      }),
    { timeout: 30_000 }
  )

  /** Conditions a server raises on its own, set up through the settings of a connection. */
  const CONDITIONS = [
    {
      sqlState: "57014",
      what: "a statement the server cancels at statement_timeout",
      options: "-c statement_timeout=50",
      statement: "SELECT pg_sleep(2)"
    },
    {
      sqlState: "25006",
      what: "a write to a server in read-only mode",
      options: "-c default_transaction_read_only=on",
      statement: "INSERT INTO notes VALUES (9, 'late')"
    },
    {
      sqlState: "53400",
      what: "a statement over the server's temp_file_limit",
      options: "-c work_mem=64kB -c temp_file_limit=64kB",
      statement: "SELECT count(*) FROM (SELECT md5(g::text) AS m FROM generate_series(1, 200000) g ORDER BY 1) sorted"
    }
  ]

  for (const { options, sqlState, statement, what } of CONDITIONS) {
    it.scoped(`${sqlState}: ${what}`, () =>
      Effect.gen(function*() {
        const { url } = yield* prepared
        const runner = Statements.onPool(yield* poolTo(url, options))
        expectVerdict(yield* Effect.exit(runner.rows(statement, [])), sqlState, "unavailable")
      }), { timeout: 30_000 })
  }

  it.scoped("55P03: a row another transaction holds, asked for without waiting", () =>
    Effect.gen(function*() {
      const { url, onPool } = yield* prepared
      const holder = yield* poolTo(url)
      const client = yield* Effect.acquireRelease(Effect.promise(() => holder.connect()), (client) =>
        Effect.promise(() => client.query("ROLLBACK")).pipe(Effect.ensuring(Effect.sync(() => client.release()))))
      yield* Effect.promise(() =>
        client.query("BEGIN")
      )
      yield* Effect.promise(() => client.query("SELECT * FROM notes WHERE id = 1 FOR UPDATE"))
      expectVerdict(yield* Effect.exit(onPool.rows("SELECT * FROM notes WHERE id = 1 FOR UPDATE NOWAIT", [])), "55P03", "unavailable")
    }), { timeout: 30_000 })

  it.scoped("57P01: a connection the server terminates (the driver may see the socket close first)", () =>
    Effect.gen(function*() {
      const { url } = yield* prepared
      const runner = Statements.onPool(yield* poolTo(url))
      const error = yield* Effect.flip(runner.rows("SELECT pg_terminate_backend(pg_backend_pid())", []))
      expect(error).toBeInstanceOf(RepositoryUnavailable)
      // The pool replaces the connection it lost.
      expect(yield* runner.rows("SELECT 1 AS one", [])).toEqual([{ one: 1 }])
    }), { timeout: 30_000 })

  it.scoped("3D000 and 28000: a database that does not exist, a role that does not exist", () =>
    Effect.gen(function*() {
      const noDatabase = new URL(serverUrl)
      noDatabase.pathname = "/no_such_database"
      const noRole = new URL(serverUrl)
      noRole.username = "no_such_role"
      for (const [url, sqlState] of [[noDatabase, "3D000"], [noRole, "28000"]] as const) {
        const runner = Statements.onPool(yield* poolTo(url.toString()))
        expectVerdict(yield* Effect.exit(runner.rows("SELECT 1", [])), sqlState, "unavailable")
      }
    }), { timeout: 30_000 })
})
