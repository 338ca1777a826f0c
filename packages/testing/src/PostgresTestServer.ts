/**
 * The PostgreSQL server tests may use (`TEST_DATABASE_URL`): a fresh schema on it for each suite,
 * and a loud skip on a machine without one, so a missing server never passes silently.
 */
import pg from "pg"
import { describe } from "vitest"
import { skipLoudly } from "./LoudSkip.js"

export const testDatabaseUrl: string | undefined = process.env["TEST_DATABASE_URL"] || undefined

/** `body` gets the server's URL; without TEST_DATABASE_URL the suite is skipped, saying why. */
export const describeOnPostgres = (name: string, body: (url: string) => void): void => {
  if (testDatabaseUrl === undefined) {
    return skipLoudly(name, "set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it")
  }
  const url = testDatabaseUrl
  describe(name, () => body(url))
}

const runOn = async (url: string, statement: string) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export interface FreshSchema {
  /** The server's URL with `options=-c search_path=<schema>`: its connections see only the new, empty schema. */
  readonly url: string
  readonly drop: () => Promise<void>
}

export const freshSchema = async (prefix: string, server: string = testDatabaseUrl!): Promise<FreshSchema> => {
  const schema = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await runOn(server, `CREATE SCHEMA ${schema}`)
  const url = new URL(server)
  url.searchParams.set("options", `-c search_path=${schema}`)
  return { url: url.toString(), drop: () => runOn(server, `DROP SCHEMA ${schema} CASCADE`) }
}
