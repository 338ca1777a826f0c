/** The databases the tests run against: PGlite in a temporary directory, and a fresh schema on a real server. */
import { describe } from "@effect/vitest"
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Database } from "@todo/postgres"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const withConfig = (entries: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

export const temporaryDirectory = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "todo-pglite-"))),
  (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
)

export const embeddedDatabase = Layer.unwrapScoped(
  Effect.map(temporaryDirectory, (dir) => Database.layer.pipe(Layer.provide(withConfig({ DATA_DIR: dir }))))
)

export const testDatabaseUrl = process.env["TEST_DATABASE_URL"]

/** `describe` when TEST_DATABASE_URL names a server; otherwise a loud skip. */
export const describeOnPostgres = (name: string, body: () => void) => {
  if (testDatabaseUrl) return describe(name, body)
  console.warn(`SKIPPED "${name}": set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it`)
  return describe.skip(name, body)
}

/** A URL whose connections see only a new, empty schema, dropped when the scope closes. */
export const freshSchemaUrl = Effect.gen(function*() {
  const base = testDatabaseUrl!
  const schema = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const run = (statement: string) =>
    Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(base) }), (sql) => sql.unsafe(statement))).pipe(
      Effect.provide(Reactivity.layer),
      Effect.orDie
    )
  yield* Effect.acquireRelease(run(`CREATE SCHEMA ${schema}`), () => run(`DROP SCHEMA ${schema} CASCADE`))
  const url = new URL(base)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return url.toString()
})
