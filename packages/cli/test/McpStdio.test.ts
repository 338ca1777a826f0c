/**
 * `todo-admin mcp --user U` as a local agent runs it: the official SDK's stdio client spawns the
 * built binary, on the embedded database and on PostgreSQL (beside the API, which serves what the
 * agent wrote and the other way round).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { call, describeOnPostgres, freshSchema, freshUser, type McpHarness, mcpToolContract, succeeded, type TaskJson } from "@todo/testing"
import { spawn } from "node:child_process"
import { resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnvironment, todoAdmin, type TodoAdmin } from "./TodoAdmin.js"
import { startTodoApi, type TodoApi } from "./TodoApi.js"

const BINARY = resolve(import.meta.dirname, "../dist/bundle/todo-admin.js")
const SECRET = "an-mcp-stdio-test-secret-of-44-bytes-012345"
const TIMEOUT = 120_000

const harnessOf = (cli: () => TodoAdmin, env: () => Record<string, string>): McpHarness => ({
  connect: async (user) => {
    const client = new Client({ name: "todo-admin-tests", version: "1.0.0" })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BINARY, "mcp", "--user", user],
        cwd: cli().dir,
        env: { ...cleanEnvironment(), ...env() } as Record<string, string>,
        stderr: "ignore"
      })
    )
    await client.listTools()
    return client
  }
})

/** The binary's whole stdout and stderr for a fixed conversation written to its stdin at once. */
const converse = (cli: TodoAdmin, env: Record<string, string>, messages: ReadonlyArray<unknown>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [BINARY, "mcp", "--user", freshUser("raw")], {
      cwd: cli.dir,
      env: { ...cleanEnvironment(), ...env, LOG_LEVEL: "debug" }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.once("error", fail)
    child.once("close", (code) => done({ code, stdout, stderr }))
    // stdin stays open until every answer is in, then closing it ends the server.
    const expected = messages.filter((message) => typeof message === "object" && message !== null && "id" in message).length
    child.stdout.on("data", () => {
      if (stdout.split("\n").filter((line) => line.trim() !== "").length >= expected) child.stdin.end()
    })
    child.stdin.write(messages.map((message) => `${JSON.stringify(message)}\n`).join(""))
  })

describe("todo-admin mcp on the embedded database", () => {
  let cli: TodoAdmin
  const env = () => ({ DATA_DIR: "data" })
  beforeAll(async () => {
    cli = await todoAdmin(env())
  })
  afterAll(() => cli?.dispose())

  mcpToolContract(() => harnessOf(() => cli, env), TIMEOUT)

  it("writes nothing but JSON-RPC to stdout, and exits 0 when stdin closes", async () => {
    const outcome = await converse(cli, env(), [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
      },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "add_task", arguments: { title: "Over stdio" } } },
      { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "add_task", arguments: { title: "" } } }
    ])
    expect(outcome.code).toBe(0)
    const lines = outcome.stdout.split("\n").filter((line) => line !== "")
    // Calls are answered as they finish, not in the order sent.
    const answers = lines.map((line) => JSON.parse(line) as { id: number }).sort((a, b) => a.id - b.id)
    expect(answers).toEqual([
      expect.objectContaining({
        jsonrpc: "2.0",
        id: 1,
        result: expect.objectContaining({ serverInfo: expect.objectContaining({ name: "todo-api" }) })
      }),
      expect.objectContaining({ jsonrpc: "2.0", id: 2, result: { tools: expect.any(Array) } }),
      expect.objectContaining({
        jsonrpc: "2.0",
        id: 3,
        result: expect.objectContaining({ structuredContent: expect.objectContaining({ title: "Over stdio" }) })
      }),
      expect.objectContaining({
        jsonrpc: "2.0",
        id: 4,
        result: {
          isError: true,
          content: [{ type: "text", text: "The request breaks the rules listed in errors.\ntitle: must not be empty" }]
        }
      })
    ])
  }, TIMEOUT)

  it("writes to the CLI's database: a task the agent added is listed by todo-admin tasks list", async () => {
    const user = freshUser("shared")
    const client = await harnessOf(() => cli, env).connect(user)
    const added = await call(client, "add_task", { title: "Seen by the CLI" }).finally(() => client.close())
    const listed = await cli.json<{ tasks: ReadonlyArray<TaskJson> }>(["tasks", "list", "--user", user, "--json"])
    expect(listed.tasks).toEqual([succeeded(added)])
  }, TIMEOUT)

  it("needs --user (a usage error, exit 2)", async () => {
    const outcome = await cli.run(["mcp"])
    expect(outcome.code).toBe(2)
    expect(outcome.stdout).toBe("")
  })
})

describeOnPostgres("todo-admin mcp on PostgreSQL, beside the API", () => {
  let cli: TodoAdmin
  let api: TodoApi
  let schema: Awaited<ReturnType<typeof freshSchema>>
  let env: Record<string, string>
  beforeAll(async () => {
    schema = await freshSchema("mcp_stdio")
    env = { DATABASE_URL: schema.url, BETTER_AUTH_SECRET: SECRET }
    cli = await todoAdmin(env)
    api = await startTodoApi(cli.dir, env)
  }, TIMEOUT)
  afterAll(async () => {
    await api?.stop()
    await cli?.dispose()
    await schema?.drop()
  })

  mcpToolContract(() => harnessOf(() => cli, () => env), TIMEOUT)

  it("a task the agent adds is served by the REST API, and one added over REST is read by the agent", async () => {
    const user = freshUser("both")
    const token = (await cli.run(["token", "--user", user])).stdout.trim()
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" }
    const client = await harnessOf(() => cli, () => env).connect(user)
    try {
      const added = succeeded(await call(client, "add_task", { title: "From the agent" }))
      const served = await fetch(`${api.url}/api/tasks/${added.id}`, { headers })
      expect(await served.json()).toEqual(added)
      const created = await fetch(`${api.url}/api/tasks`, { method: "POST", headers, body: JSON.stringify({ title: "From REST" }) })
      const fromRest = (await created.json()) as TaskJson
      expect(succeeded(await call(client, "get_task", { id: fromRest.id }))).toEqual(fromRest)
    } finally {
      await client.close()
    }
  }, TIMEOUT)
})
