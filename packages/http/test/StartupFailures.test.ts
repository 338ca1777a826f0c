/** The built `todo-api` refusing to start: at once, exit 1, every reason on stderr, each naming what to fix. */
import { describeOnPostgres, freePort, testDatabaseUrl } from "@todo/testing"
import { execFile } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { SECRET } from "./support/TestServer.js"

const MAIN = fileURLToPath(new URL("../dist/bundle/todo-api.js", import.meta.url))

interface Refusal {
  readonly code: number | null
  readonly stderr: string
  readonly ms: number
}

/** Starts `todo-api` with `env` on a clean environment and waits for it to give up (at most 20 s). */
const refusal = (env: Record<string, string>): Promise<Refusal> =>
  new Promise((done) => {
    const started = Date.now()
    execFile(
      process.execPath,
      [MAIN],
      { env: { PATH: process.env["PATH"] ?? "", HOST: "127.0.0.1", BETTER_AUTH_SECRET: SECRET, ...env }, timeout: 20_000 },
      (error, _stdout, stderr) => done({ code: error === null ? 0 : Number(error.code), stderr, ms: Date.now() - started })
    )
  })

const listening = (port: number) =>
  new Promise<Server>((resolve) => {
    const server = createServer().listen(port, "127.0.0.1", () => resolve(server))
  })

describe("todo-api refusing to start", () => {
  it("reports every bad setting at once, one line each naming its variable", async () => {
    const { code, stderr } = await refusal({
      PORT: "eighty",
      WEB_CONCURRENCY: "two",
      BETTER_AUTH_SECRET: "short",
      DATABASE_URL: "http://u:s3cret@db/x"
    })
    expect(code).toBe(1)
    expect(stderr.trim().split("\n")).toEqual([
      "todo-api: invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/database",
      "todo-api: invalid configuration: PORT: must be a whole number from 1 to 65535, not \"eighty\"",
      "todo-api: invalid configuration: WEB_CONCURRENCY: must be auto or a whole number of at least 1, not \"two\"",
      "todo-api: invalid configuration: BETTER_AUTH_SECRET: must be at least 32 bytes (generate one with: openssl rand -base64 32)"
    ])
    expect(stderr).not.toContain("s3cret")
  })

  it("refuses a malformed DATABASE_URL before trying to connect, and WEB_CONCURRENCY's error exits 1 like the rest", async () => {
    for (const env of [{ DATABASE_URL: "postgres//nope" }, { DATABASE_URL: "mysql://db/todo" }, { WEB_CONCURRENCY: "2" }]) {
      const { code, ms, stderr } = await refusal(env)
      expect(code, JSON.stringify(env)).toBe(1)
      expect(ms).toBeLessThan(10_000)
      expect(stderr).toMatch(/^todo-api: invalid configuration: (DATABASE_URL|WEB_CONCURRENCY): /)
    }
  })

  it("names the address and the OS error when the database cannot be reached", async () => {
    const { code, stderr } = await refusal({ DATABASE_URL: "postgres://todo:s3cret@127.0.0.1:1/todo", DATABASE_CONNECT_TIMEOUT_S: "0" })
    expect(code).toBe(1)
    expect(stderr).toContain("todo-api: the database cannot be reached (gave up after 0 s, DATABASE_CONNECT_TIMEOUT_S); ")
    expect(stderr).toContain("DATABASE_URL points at 127.0.0.1:1 (ECONNREFUSED)")
    expect(stderr).not.toContain("s3cret")
  })

  it("names the address and the OS error when it cannot listen", async () => {
    const port = await freePort()
    const taken = await listening(port)
    const dataDir = await mkdtemp(join(tmpdir(), "todo-listen-"))
    try {
      const { code, stderr } = await refusal({ PORT: String(port), DATA_DIR: dataDir })
      expect(code).toBe(1)
      expect(stderr).toContain(`todo-api: cannot listen on 127.0.0.1:${port}: EADDRINUSE (the port is in use)`)
    } finally {
      taken.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 60_000)
})

describeOnPostgres("todo-api refusing a PostgreSQL server's answer", () => {
  it("stops at once with the server's words when it refuses the credentials or has no such database", async () => {
    const missing = new URL(testDatabaseUrl!)
    missing.pathname = "/todo_no_such_database"
    const { code, ms, stderr } = await refusal({ DATABASE_URL: missing.href })
    expect(code).toBe(1)
    expect(ms).toBeLessThan(10_000)
    expect(stderr).toContain(
      "todo-api: invalid configuration: DATABASE_URL: the server refused it: database \"todo_no_such_database\" does not exist (SQLSTATE 3D000)"
    )
  })
})
