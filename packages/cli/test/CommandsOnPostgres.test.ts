import { databaseSuite } from "./DatabaseSuite.js"
import { freshSchema, onPostgres } from "./PostgresSchema.js"

const NAME = "todo-admin on a PostgreSQL server"

onPostgres(NAME, () =>
  databaseSuite(NAME, async () => {
    const schema = await freshSchema("cli")
    return { env: { DATABASE_URL: schema.url }, dispose: schema.dispose }
  }))
