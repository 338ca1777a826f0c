/** A new, empty schema on the TEST_DATABASE_URL server, and a URL whose connections see only it. */
import pg from "pg"

const run = async (url: string, statement: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export interface FreshSchema {
  readonly url: string
  readonly drop: () => Promise<void>
}

export const createFreshSchema = async (base: string, prefix: string): Promise<FreshSchema> => {
  const schema = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await run(base, `CREATE SCHEMA ${schema}`)
  const url = new URL(base)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return { url: url.toString(), drop: () => run(base, `DROP SCHEMA ${schema} CASCADE`) }
}
