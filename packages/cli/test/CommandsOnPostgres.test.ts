import { SqlClient } from "@effect/sql/SqlClient"
import { Database } from "@todo/postgres"
import { Effect, Redacted } from "effect"
import { describe, it } from "vitest"
import { databaseSuite } from "./DatabaseSuite.js"

const testDatabaseUrl = process.env["TEST_DATABASE_URL"]

const onServer = (statement: string) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(SqlClient, (sql) => sql.unsafe(statement))).pipe(
      Effect.provide(Database.serverLayer(Redacted.make(testDatabaseUrl!)))
    )
  )

if (testDatabaseUrl) {
  databaseSuite("todo-admin on a PostgreSQL server", async () => {
    const schema = `cli_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    await onServer(`CREATE SCHEMA ${schema}`)
    const url = new URL(testDatabaseUrl)
    url.searchParams.set("options", `-c search_path=${schema}`)
    return { env: { DATABASE_URL: url.toString() }, dispose: () => onServer(`DROP SCHEMA ${schema} CASCADE`) }
  })
} else {
  console.warn(
    'SKIPPED "todo-admin on a PostgreSQL server": set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it'
  )
  describe.skip("todo-admin on a PostgreSQL server", () => {
    it("needs TEST_DATABASE_URL", () => {})
  })
}

