import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql/SqlClient"
import { TaskRepository } from "@todo/core"
import { Database, migrate, MIGRATIONS, migrationStatus, PgliteClient, PgTaskRepository } from "@todo/postgres"
import { Effect, Layer, Redacted } from "effect"
import { describeOnPostgres } from "@todo/testing"
import { freshSchemaUrl, temporaryDirectory } from "./TestDatabases.js"

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

describeOnPostgres("migrations on a PostgreSQL server", () => {
  it.scoped("two processes migrating one empty schema at once apply each migration exactly once", () =>
    Effect.gen(function*() {
      const url = Redacted.make(yield* freshSchemaUrl)
      const processA = yield* Layer.build(Database.serverLayer(url))
      const processB = yield* Layer.build(Database.serverLayer(url))
      const [a, b] = yield* Effect.all([Effect.provide(migrate, processA), Effect.provide(migrate, processB)], {
        concurrency: 2
      })
      expect([...a, ...b].sort()).toEqual(ALL)
      expect(yield* Effect.provide(migrationStatus, processA)).toEqual({ applied: ALL, pending: [] })
      const sql = yield* Effect.provide(SqlClient, processB)
      const tables = yield* sql<{ name: string }>`
        SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
      expect(tables.map((table) => table.name)).toEqual(["effect_sql_migrations", "tasks"])
    }), { timeout: 30_000 })
})
