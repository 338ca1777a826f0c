import pg from "pg"
import { describeOnPostgres, freshSchema } from "@todo/testing"
import { databaseSuite } from "./DatabaseSuite.js"

const NAME = "todo-admin on a PostgreSQL server"

describeOnPostgres(NAME, () =>
  databaseSuite(NAME, async () => {
    const schema = await freshSchema("cli")
    const run = async (statement: string) => {
      const client = new pg.Client({ connectionString: schema.url })
      await client.connect()
      try {
        await client.query(statement)
      } finally {
        await client.end()
      }
    }
    return { env: { DATABASE_URL: schema.url }, run, dispose: schema.drop }
  }))
