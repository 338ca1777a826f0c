import { SqlClient } from "@effect/sql/SqlClient"
import { MIGRATIONS, PgliteClient } from "@todo/postgres"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { join } from "node:path"
import { databaseSuite } from "./DatabaseSuite.js"
import { todoAdmin } from "./TodoAdmin.js"

/** A statement on the embedded database in `dir`, opened and closed around it. */
const runOn = (dir: string) => (statement: string) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(
      Layer.build(PgliteClient.layer(dir)),
      (context) => Effect.provide(Effect.flatMap(SqlClient, (sql) => sql.unsafe(statement)), context)
    )).pipe(Effect.asVoid)
  )

databaseSuite("todo-admin on the embedded database", async () => {
  const home = await todoAdmin({})
  const dir = join(home.dir, "data")
  return { env: { DATA_DIR: dir }, run: runOn(dir), dispose: home.dispose }
})

describe("todo-admin data commands on a new embedded database", () => {
  it("migrate it first, as the API does", async () => {
    const cli = await todoAdmin({})
    try {
      expect(await cli.json(["users", "--json"])).toEqual([])
      expect(await cli.json(["migrate", "--status", "--json"])).toEqual({ applied: Object.keys(MIGRATIONS), pending: [] })
    } finally {
      await cli.dispose()
    }
  }, 60_000)
})
