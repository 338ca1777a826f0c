/**
 * todo-admin and todo-api are two hosts of one store: what one writes the other reads, and the
 * API accepts the CLI's tokens. Both built binaries run as subprocesses with one shared secret.
 */
import { join } from "node:path"
import { describeOnPostgres, freshSchema } from "@todo/testing"
import { afterEach, describe, expect, it } from "vitest"
import { todoAdmin, type TodoAdmin } from "./TodoAdmin.js"
import { startTodoApi, type TodoApi } from "./TodoApi.js"

const SECRET = "a-cross-host-test-secret-of-44-bytes-0123456"
const USER = "cross-host-user"
const TIMEOUT = 120_000

interface Task {
  readonly id: number
  readonly title: string
}

/** A client of the API acting as USER, with a token `todo-admin token` minted. */
const apiClient = async (cli: TodoAdmin, api: TodoApi) => {
  const minted = await cli.run(["token", "--user", USER])
  expect(minted).toMatchObject({ code: 0, stderr: "" })
  const headers = { authorization: `Bearer ${minted.stdout.trim()}`, "content-type": "application/json" }
  const tasksUrl = `${api.url}/api/${USER}/tasks`
  return {
    list: async (): Promise<ReadonlyArray<Task>> => {
      const response = await fetch(tasksUrl, { headers })
      expect(response.status).toBe(200)
      return (await response.json()) as ReadonlyArray<Task>
    },
    create: async (title: string): Promise<Task> => {
      const response = await fetch(tasksUrl, { method: "POST", headers, body: JSON.stringify({ title }) })
      expect(response.status).toBe(201)
      return (await response.json()) as Task
    }
  }
}

const cliAdds = (cli: TodoAdmin, title: string): Promise<Task> => cli.json(["tasks", "add", "--user", USER, "--title", title, "--json"])

const cliLists = async (cli: TodoAdmin): Promise<ReadonlyArray<Task>> =>
  (await cli.json<{ tasks: ReadonlyArray<Task> }>(["tasks", "list", "--user", USER, "--sort", "title", "--order", "asc", "--json"])).tasks

const disposers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose()
})

describe("todo-admin and todo-api on one embedded database", () => {
  it("take turns on DATA_DIR: the CLI is refused, naming the API's process, while the API runs; each sees the other's tasks", async () => {
    const cli = await todoAdmin({ BETTER_AUTH_SECRET: SECRET, DATA_DIR: "data" })
    disposers.push(cli.dispose)
    const fromCli = await cliAdds(cli, "added by the CLI")

    const api = await startTodoApi(cli.dir, { BETTER_AUTH_SECRET: SECRET, DATA_DIR: "data" })
    disposers.push(api.stop)
    const refused = await cli.run(["tasks", "list", "--user", USER])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `error: The task store is unavailable: the embedded database in ${join(cli.dir, "data")} is in use by process ${api.pid} ` +
        "(stop it, or set DATABASE_URL to share a PostgreSQL server)\n"
    )
    const http = await apiClient(cli, api)
    expect(await http.list()).toEqual([fromCli])
    const fromApi = await http.create("added over HTTP")
    await api.stop()

    expect(await cliLists(cli)).toEqual([fromCli, fromApi])
  }, TIMEOUT)
})

describeOnPostgres("todo-admin and todo-api on one PostgreSQL server", () => {
  it("run at once, each seeing the other's tasks", async () => {
    const schema = await freshSchema("cross_host")
    disposers.push(schema.drop)
    const env = { BETTER_AUTH_SECRET: SECRET, DATABASE_URL: schema.url }
    const cli = await todoAdmin(env)
    disposers.push(cli.dispose)
    const api = await startTodoApi(cli.dir, env)
    disposers.push(api.stop)
    const http = await apiClient(cli, api)

    const fromCli = await cliAdds(cli, "added by the CLI")
    expect(await http.list()).toEqual([fromCli])
    const fromApi = await http.create("added over HTTP")
    expect(await cliLists(cli)).toEqual([fromCli, fromApi])
  }, TIMEOUT)
})
