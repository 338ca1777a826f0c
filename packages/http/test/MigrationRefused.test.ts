/**
 * The built binary on a database that refuses a migration for a reason no retry can fix (a table
 * in the way): it stops at once, with the database's reason in one line, and exit code 1.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { PgliteClient } from "@todo/postgres"
import { describeOnPostgres, freshSchema } from "@todo/testing"
import { Effect, Layer } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { startApi } from "./support/ApiProcess.js"

const IN_THE_WAY = "CREATE TABLE tasks (note text)"
const REASON =
  "todo-api: migrations could not be applied: Migration \"1_create_tasks\" failed: relation \"tasks\" already exists (SQLSTATE 42P07)"

/** What the start of todo-api with `env` ends in, and how long it took. */
const startFailure = async (env: Record<string, string>) => {
  const started = Date.now()
  const error = await startApi(env).then(
    async (api) => {
      await api.stop()
      return undefined
    },
    (error: Error) => error
  )
  return { message: error?.message, ms: Date.now() - started }
}

describe("todo-api on an embedded database that refuses a migration", () => {
  it("stops at once, saying why in one line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "todo-http-migration-"))
    try {
      await Effect.runPromise(Effect.scoped(Effect.flatMap(
        Layer.build(PgliteClient.layer(dir)),
        (context) => Effect.provide(Effect.flatMap(SqlClient, (sql) => sql.unsafe(IN_THE_WAY)), context)
      )))
      const { message } = await startFailure({ DATA_DIR: dir })
      expect(message).toBe(`todo-api exited (1) before listening: ${REASON}\n`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describeOnPostgres("todo-api on a PostgreSQL server that refuses a migration", () => {
  it("stops at once, saying why in one line, rather than retrying for DATABASE_CONNECT_TIMEOUT_S", async () => {
    const schema = await freshSchema("http_migration")
    try {
      const client = new pg.Client({ connectionString: schema.url })
      await client.connect()
      await client.query(IN_THE_WAY).finally(() => client.end())
      const { message, ms } = await startFailure({ DATABASE_URL: schema.url, DATABASE_CONNECT_TIMEOUT_S: "30" })
      expect(message).toBe(`todo-api exited (1) before listening: ${REASON}\n`)
      expect(ms).toBeLessThan(15_000)
    } finally {
      await schema.drop()
    }
  }, 60_000)
})
