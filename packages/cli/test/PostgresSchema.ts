/** A fresh schema on the server TEST_DATABASE_URL names, and the loud skip when there is none. */
import { SqlClient } from "@effect/sql/SqlClient"
import { Database } from "@todo/postgres"
import { Effect, Redacted } from "effect"
import { describe, it } from "vitest"

export const testDatabaseUrl = process.env["TEST_DATABASE_URL"]

const onServer = (statement: string) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(SqlClient, (sql) => sql.unsafe(statement))).pipe(
      Effect.provide(Database.serverLayer(Redacted.make(testDatabaseUrl!)))
    )
  )

export interface FreshSchema {
  /** TEST_DATABASE_URL with `options=-c search_path=<schema>`: its connections see only the new, empty schema. */
  readonly url: string
  readonly dispose: () => Promise<void>
}

export const freshSchema = async (prefix: string): Promise<FreshSchema> => {
  const schema = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await onServer(`CREATE SCHEMA ${schema}`)
  const url = new URL(testDatabaseUrl!)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return { url: url.toString(), dispose: async () => {
    await onServer(`DROP SCHEMA ${schema} CASCADE`)
  } }
}

/** `body` runs when TEST_DATABASE_URL names a server; otherwise the suite is skipped, saying why. */
export const onPostgres = (name: string, body: () => void): void => {
  if (testDatabaseUrl) return body()
  console.warn(`SKIPPED "${name}": set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it`)
  describe.skip(name, () => {
    it("needs TEST_DATABASE_URL", () => {})
  })
}
