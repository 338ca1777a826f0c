import { describeOnPostgres, freshSchema } from "@todo/testing"
import { databaseSuite } from "./DatabaseSuite.js"

const NAME = "todo-admin on a PostgreSQL server"

describeOnPostgres(NAME, () =>
  databaseSuite(NAME, async () => {
    const schema = await freshSchema("cli")
    return { env: { DATABASE_URL: schema.url }, dispose: schema.drop }
  }))
