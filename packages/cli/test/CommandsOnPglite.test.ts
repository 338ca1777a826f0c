import { MIGRATIONS } from "@todo/postgres"
import { describe, expect, it } from "vitest"
import { join } from "node:path"
import { databaseSuite } from "./DatabaseSuite.js"
import { todoAdmin } from "./TodoAdmin.js"

databaseSuite("todo-admin on the embedded database", async () => {
  const home = await todoAdmin({})
  return { env: { DATA_DIR: join(home.dir, "data") }, dispose: home.dispose }
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
