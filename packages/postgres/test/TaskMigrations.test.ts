import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql/SqlClient"
import { TaskRepository } from "@todo/core"
import { Database, migrate, MigrationFailed, MIGRATIONS, migrationStatus, PgliteClient, PgTaskRepository } from "@todo/postgres"
import { Effect, Layer, Redacted } from "effect"
import { describeOnPostgres } from "@todo/testing"
import { freshSchemaUrl, temporaryDirectory, withConfig } from "./TestDatabases.js"

const ALL = Object.keys(MIGRATIONS)

const unmigratedEmbedded = Layer.unwrapScoped(Effect.map(temporaryDirectory, PgliteClient.layer))

describe("migrations on embedded PGlite", () => {
  it.layer(unmigratedEmbedded, { timeout: "60 seconds" })((it) => {
    it.effect("a new store has every migration pending and fails a ping", () =>
      Effect.gen(function*() {
        expect(yield* migrationStatus).toEqual({ applied: [], pending: ALL })
        const repository = yield* Effect.provide(TaskRepository, PgTaskRepository.layer)
        const error = yield* Effect.flip(repository.ping)
        expect(error._tag).toBe("RepositoryUnavailable")
        expect(error.reason).toContain("not current")
      }))

    it.effect("migrating applies every migration once; again, nothing", () =>
      Effect.gen(function*() {
        const [first, second] = yield* Effect.all([migrate, migrate], { concurrency: 2 })
        expect([...first, ...second].sort()).toEqual(ALL)
        expect(yield* migrate).toEqual([])
        expect(yield* migrationStatus).toEqual({ applied: ALL, pending: [] })
        const repository = yield* Effect.provide(TaskRepository, PgTaskRepository.layer)
        yield* repository.ping
      }))

    it.effect("once a ping has seen the schema current, later pings do not read the migrations table", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient
        const repository = yield* Effect.provide(TaskRepository, PgTaskRepository.layer)
        yield* repository.ping
        yield* sql`ALTER TABLE effect_sql_migrations RENAME TO hidden_migrations`
        const later = yield* Effect.exit(repository.ping)
        const fresh = yield* Effect.flip(Effect.flatMap(Effect.provide(TaskRepository, PgTaskRepository.layer), (other) => other.ping))
        yield* sql`ALTER TABLE hidden_migrations RENAME TO effect_sql_migrations`
        expect(later._tag).toBe("Success")
        expect(fresh.reason).toContain("not current")
      }))
  })
})

const IN_THE_WAY = "relation \"tasks\" already exists (SQLSTATE 42P07)"

describe("a migration the database refuses, on embedded PGlite", () => {
  it.layer(unmigratedEmbedded, { timeout: "60 seconds" })((it) => {
    it.effect("is MigrationFailed with the server's reason, nothing is applied, and a ping is not ready", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient
        yield* sql`CREATE TABLE tasks (note text)`
        const error = yield* Effect.flip(migrate)
        expect(error).toBeInstanceOf(MigrationFailed)
        expect(error.message).toBe(`migrations could not be applied: Migration "1_create_tasks" failed: ${IN_THE_WAY}`)
        expect(yield* migrationStatus).toEqual({ applied: [], pending: ALL })
        const repository = yield* Effect.provide(TaskRepository, PgTaskRepository.layer)
        expect((yield* Effect.flip(repository.ping))._tag).toBe("RepositoryUnavailable")
      }))
  })
})

/** A fresh schema holding what `statement` creates, its URL, and a connection to it. */
const schemaHolding = (statement: string) =>
  Effect.gen(function*() {
    const url = yield* freshSchemaUrl
    const connection = yield* Layer.build(Database.serverLayer(Redacted.make(url), 2))
    yield* Effect.flatMap(Effect.provide(SqlClient, connection), (sql) => sql.unsafe(statement))
    return { url, connection }
  })

describeOnPostgres("migrations on a PostgreSQL server", () => {
  it.live("a migration the database refuses stops the start at once with MigrationFailed: no retry can help", () =>
    Effect.gen(function*() {
      const { url } = yield* schemaHolding("CREATE TABLE tasks (note text)")
      const started = Date.now()
      const error = yield* Effect.flip(Effect.scoped(Layer.build(
        Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_S: "30" })))
      )))
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(error).toBeInstanceOf(MigrationFailed)
      expect(error.message).toBe(`migrations could not be applied: Migration "1_create_tasks" failed: ${IN_THE_WAY}`)
    }).pipe(Effect.scoped), { timeout: 30_000 })

  it.live("migrations that cannot be read are MigrationFailed, and a ping says not ready", () =>
    Effect.gen(function*() {
      // A table of that name that is not the migrator's.
      const { connection } = yield* schemaHolding("CREATE TABLE effect_sql_migrations (note text)")
      const error = yield* Effect.flip(Effect.provide(migrationStatus, connection))
      expect(error).toBeInstanceOf(MigrationFailed)
      expect(error.message).toMatch(/^the applied migrations could not be read: .* \(SQLSTATE 42703\)$/)
      const repository = yield* Effect.provide(TaskRepository, PgTaskRepository.layer.pipe(Layer.provide(Layer.succeedContext(connection))))
      expect((yield* Effect.flip(repository.ping))._tag).toBe("RepositoryUnavailable")
    }).pipe(Effect.scoped), { timeout: 30_000 })

  it.scoped("two processes migrating one empty schema at once apply each migration exactly once", () =>
    Effect.gen(function*() {
      const url = Redacted.make(yield* freshSchemaUrl)
      const processA = yield* Layer.build(Database.serverLayer(url, 2))
      const processB = yield* Layer.build(Database.serverLayer(url, 2))
      const [a, b] = yield* Effect.all([Effect.provide(migrate, processA), Effect.provide(migrate, processB)], {
        concurrency: 2
      })
      expect([...a, ...b].sort()).toEqual(ALL)
      expect(yield* Effect.provide(migrationStatus, processA)).toEqual({ applied: ALL, pending: [] })
      const sql = yield* Effect.provide(SqlClient, processB)
      const tables = yield* sql<{ name: string }>`
        SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
      expect(tables.map((table) => table.name)).toEqual([
        "effect_sql_migrations",
        "task_changes",
        "task_feeds",
        "tasks",
        "webhook_deliveries",
        "webhook_settings"
      ])
    }), { timeout: 30_000 })
})
