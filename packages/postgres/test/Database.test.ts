import { describe, expect, it } from "@effect/vitest"
import type { SqlClient } from "@effect/sql/SqlClient"
import { ChangeSignal, type ImportDraft, NewTask, type TaskId, TaskRepository, Tasks, type UserId } from "@todo/core"
import { Database, MIGRATIONS, migrationStatus } from "@todo/postgres"
import { DateTime, Effect, Exit, Layer, Logger, LogLevel, Schema } from "effect"
import { join } from "node:path"
import { describeOnPostgres, startRelay, testDatabaseUrl } from "@todo/testing"
import { embeddedDatabase, freshSchemaUrl, temporaryDirectory, withConfig } from "./TestDatabases.js"

const user = "database-test-user" as UserId
const newTask = Schema.decodeUnknownSync(NewTask)
const tasksOver = (config: Record<string, string>) =>
  Tasks.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(withConfig(config)), Layer.provide(ChangeSignal.layer))

const unreachable = { DATABASE_URL: "postgres://todo:s3cret@127.0.0.1:1/todo" }

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : exit

const built = (config: Record<string, string>) => Effect.scoped(Layer.build(Database.layer.pipe(Layer.provide(withConfig(config)))))

/** The migration status `layer` sees in the database `config` names. */
const statusThrough = (layer: Layer.Layer<SqlClient, unknown>, config: Record<string, string>) =>
  Effect.scoped(
    Effect.flatMap(Layer.build(layer.pipe(Layer.provide(withConfig(config)))), (context) => Effect.provide(migrationStatus, context))
  )

const ALL = Object.keys(MIGRATIONS)

/** Runs `self`, returning what it logged at warning level. */
const warningsOf = <A, E>(self: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const warnings: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel === LogLevel.Warning) warnings.push(String(message))
    })
    const exit = yield* Effect.exit(self.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))))
    return { exit, warnings }
  })

const importedAt = DateTime.unsafeMake(Date.UTC(2026, 0, 1))
const importOf = (count: number): ReadonlyArray<ImportDraft> =>
  Array.from({ length: count }, (_, n) => ({
    title: `imported ${n}`,
    description: "x".repeat(500),
    completed: false,
    priority: "medium",
    tags: ["a", "b"],
    due_date: null,
    created_at: importedAt,
    updated_at: importedAt,
    recurrence: null,
    timezone: null,
    remind_at: null,
    next_occurrence_index: null
  }))

describe("Database.layer", () => {
  it.live("an unreachable DATABASE_URL with no time to wait fails at once with RepositoryUnavailable, naming no host or secret", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const exit = yield* Effect.exit(built({ ...unreachable, DATABASE_CONNECT_TIMEOUT_S: "0" }))
      expect(Date.now() - started).toBeLessThan(3_000)
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "RepositoryUnavailable" })
      expect(String((error as { reason: string }).reason)).toMatch(/^the database cannot be reached/)
      expect(JSON.stringify(error)).not.toMatch(/127\.0\.0\.1|s3cret|todo:/)
    }))

  it.live(
    "an unreachable DATABASE_URL is retried with a warning each time until DATABASE_CONNECT_TIMEOUT_S, then fails",
    () =>
      Effect.gen(function*() {
        const started = Date.now()
        const { exit, warnings } = yield* warningsOf(built({ ...unreachable, DATABASE_CONNECT_TIMEOUT_S: "2" }))
        const elapsed = Date.now() - started
        expect(elapsed).toBeGreaterThanOrEqual(2_000)
        expect(elapsed).toBeLessThan(8_000)
        expect(failureOf(exit)).toMatchObject({
          _tag: "RepositoryUnavailable",
          reason: "the database cannot be reached (gave up after 2 s, DATABASE_CONNECT_TIMEOUT_S)"
        })
        // 250 ms doubling: tried again at about 0.25, 0.75, 1.75 and 3.75 s.
        expect(warnings.length).toBeGreaterThanOrEqual(3)
        expect(warnings.length).toBeLessThanOrEqual(5)
        for (const warning of warnings) {
          expect(warning).toBe("the database is not available yet, retrying: the database cannot be reached")
        }
      }),
    { timeout: 15_000 }
  )

  it.live("without DATABASE_URL the tasks outlive the process, in a DATA_DIR created on demand", () =>
    Effect.gen(function*() {
      const dataDir = join(yield* temporaryDirectory, "nested", "data")
      const created = yield* Effect.scoped(Effect.flatMap(
        Layer.build(tasksOver({ DATA_DIR: dataDir })),
        (context) => Effect.provide(Effect.flatMap(Tasks, (tasks) => tasks.create(user, newTask({ title: "keep me" }))), context)
      ))
      const reopened = yield* Effect.scoped(Effect.flatMap(
        Layer.build(tasksOver({ DATA_DIR: dataDir })),
        (context) => Effect.provide(Effect.flatMap(Tasks, (tasks) => tasks.get(user, created.id)), context)
      ))
      expect(reopened).toEqual(created)
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("an import larger than one operation timeout allows is bounded per batch, not cut short", () =>
    Effect.gen(function*() {
      const repository = yield* Effect.provide(TaskRepository, yield* Layer.build(embeddedDatabase))
      // About 8 s on a busy two-core machine: longer than one operation may take.
      expect(yield* repository.insertAll(user, importOf(40_000))).toBe(40_000)
    }).pipe(Effect.scoped), { timeout: 120_000 })
})

describe("Database.connectionLayer", () => {
  it.live("opens DATA_DIR without migrating it; sqlLayer then migrates it", () =>
    Effect.gen(function*() {
      const config = { DATA_DIR: yield* temporaryDirectory }
      expect(yield* statusThrough(Database.connectionLayer, config)).toEqual({ applied: [], pending: ALL })
      yield* statusThrough(Database.sqlLayer, config)
      expect(yield* statusThrough(Database.connectionLayer, config)).toEqual({ applied: ALL, pending: [] })
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("gives up on an unreachable DATABASE_URL after DATABASE_CONNECT_TIMEOUT_S, as Database.layer does", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(statusThrough(Database.connectionLayer, { ...unreachable, DATABASE_CONNECT_TIMEOUT_S: "1" }))
      expect(failureOf(exit)).toMatchObject({
        _tag: "RepositoryUnavailable",
        reason: "the database cannot be reached (gave up after 1 s, DATABASE_CONNECT_TIMEOUT_S)"
      })
    }), { timeout: 15_000 })
})

/** A fresh schema reached through a relay, which is open (on a port of its own) when this returns. */
const relayedSchema = Effect.gen(function*() {
  const target = new URL(yield* freshSchemaUrl)
  const server = new URL(testDatabaseUrl!)
  const tcp = yield* Effect.promise(() => startRelay({ host: server.hostname, port: Number(server.port || 5432) }))
  const relay = {
    cut: Effect.promise(() => tcp.cut()),
    freeze: Effect.sync(() => tcp.freeze()),
    open: Effect.promise(() => tcp.open())
  }
  yield* Effect.addFinalizer(() => relay.cut)
  const viaRelay = new URL(target)
  viaRelay.hostname = "127.0.0.1"
  viaRelay.port = String(tcp.port)
  return { relay, url: viaRelay.toString() }
})

/** The repository over a relayed schema, answering. */
const relayedRepository = Effect.gen(function*() {
  const { relay, url } = yield* relayedSchema
  const context = yield* Layer.build(Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: url }))))
  const repository = yield* Effect.provide(TaskRepository, context)
  yield* repository.ping
  return { relay, repository }
})

describeOnPostgres("Database.layer on a PostgreSQL server", () => {
  it.live("a lost database is RepositoryUnavailable within seconds, and the pool recovers when it is back", () =>
    Effect.gen(function*() {
      const { relay, repository } = yield* relayedRepository

      yield* relay.cut
      const started = Date.now()
      const error = yield* Effect.flip(repository.ping)
      expect(error._tag).toBe("RepositoryUnavailable")
      expect(Date.now() - started).toBeLessThan(5_000)
      expect((yield* Effect.flip(repository.findById(user, 1 as TaskId)))._tag).toBe("RepositoryUnavailable")

      yield* relay.open
      yield* repository.ping
      expect(yield* repository.removeAllOf(user)).toBe(0)
    }).pipe(Effect.scoped), { timeout: 30_000 })

  it.live(
    "a database that stops answering fails each request and an import within about 5 s, on open and on new connections",
    () =>
      Effect.gen(function*() {
        const { relay, repository } = yield* relayedRepository

        yield* relay.freeze
        const started = Date.now()
        const errors = yield* Effect.all(
          [
            ...Array.from({ length: 12 }, () => Effect.flip(repository.findById(user, 1 as TaskId))),
            Effect.flip(repository.insertAll(user, importOf(10_000)))
          ],
          { concurrency: "unbounded" }
        )
        expect(errors.map((error) => error._tag)).toEqual(Array(13).fill("RepositoryUnavailable"))
        expect(Date.now() - started).toBeLessThan(6_000)
      }).pipe(Effect.scoped),
    { timeout: 30_000 }
  )

  it.live("a server that comes up while the layer starts is waited for", () =>
    Effect.gen(function*() {
      const { relay, url } = yield* relayedSchema
      yield* relay.cut
      const { exit, warnings } = yield* warningsOf(
        Effect.all([
          built({ DATABASE_URL: url }),
          Effect.sleep("1 second").pipe(Effect.andThen(relay.open))
        ], { concurrency: 2 })
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(warnings.length).toBeGreaterThanOrEqual(1)
    }).pipe(Effect.scoped), { timeout: 30_000 })

  it.live("connectionLayer opens DATABASE_URL without migrating it; sqlLayer then migrates it", () =>
    Effect.gen(function*() {
      const config = { DATABASE_URL: yield* freshSchemaUrl }
      expect(yield* statusThrough(Database.connectionLayer, config)).toEqual({ applied: [], pending: ALL })
      yield* statusThrough(Database.sqlLayer, config)
      expect(yield* statusThrough(Database.connectionLayer, config)).toEqual({ applied: ALL, pending: [] })
    }).pipe(Effect.scoped), { timeout: 30_000 })

  it.live(
    "a database or a role the server does not have fails at once, as DATABASE_URL, in the server's words",
    () =>
      Effect.gen(function*() {
        const server = new URL(testDatabaseUrl!)
        const noDatabase = new URL(server)
        noDatabase.pathname = "/todo_no_such_database"
        const noRole = new URL(server)
        noRole.username = "todo_no_such_role"
        for (
          const [url, words] of [[noDatabase, /database "todo_no_such_database" does not exist \(SQLSTATE 3D000\)/], [
            noRole,
            /role "todo_no_such_role" does not exist \(SQLSTATE 28000\)/
          ]] as const
        ) {
          const started = Date.now()
          const error = failureOf(yield* Effect.exit(built({ DATABASE_URL: url.href, DATABASE_CONNECT_TIMEOUT_S: "30" })))
          expect(Date.now() - started).toBeLessThan(5_000)
          expect(error).toMatchObject({ _op: "InvalidData", path: ["DATABASE_URL"] })
          expect((error as { message: string }).message).toMatch(words)
        }
      }),
    { timeout: 30_000 }
  )

  it.live("an import of 10,000 tasks is not cut short by the operation timeout", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(
        Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: yield* freshSchemaUrl })))
      )
      const repository = yield* Effect.provide(TaskRepository, context)
      expect(yield* repository.insertAll(user, importOf(10_000))).toBe(10_000)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})
