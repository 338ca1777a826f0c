import { join } from "node:path"
import { databaseSuite } from "./DatabaseSuite.js"
import { todoAdmin } from "./TodoAdmin.js"

databaseSuite("todo-admin on the embedded database", async () => {
  const home = await todoAdmin({})
  return { env: { DATA_DIR: join(home.dir, "data") }, dispose: home.dispose }
})

