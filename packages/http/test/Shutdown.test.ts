/** The built binary under SIGTERM (graceful) and SIGKILL (nothing acknowledged is lost). */
import { mkdtemp, rm } from "node:fs/promises"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describeOnPostgres, freshSchema, type FreshSchema } from "@todo/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allTaskIds, type ApiProcess, startApi } from "./support/ApiProcess.js"
import { freshUser, tokenFor } from "./support/TestServer.js"

let dataRoot: string
beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), "todo-http-shutdown-"))
})
afterAll(() => rm(dataRoot, { recursive: true, force: true }))

const embedded = async (name: string) => ({ DATA_DIR: join(dataRoot, name) })

/** A POST whose body is sent in two parts, the second only when `finish` is called. */
const slowPost = (api: ApiProcess, path: string, token: string) => {
  const req = request(`${api.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "transfer-encoding": "chunked" }
  })
  const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (response) => {
      let body = ""
      response.setEncoding("utf8").on("data", (chunk) => (body += chunk)).on("end", () => resolve({ status: response.statusCode!, body }))
    })
    req.on("error", reject)
  })
  req.write(`{"title": "in fl`)
  return { reply, finish: () => req.end(`ight"}`) }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("todo-api under SIGTERM", () => {
  it("stops accepting, answers the request in flight, then exits 0", async () => {
    const api = await startApi(await embedded("graceful"))
    const user = freshUser()
    const post = slowPost(api, `/api/${user}/tasks`, await tokenFor(user))
    await sleep(300)
    const signalled = Date.now()
    api.child.kill("SIGTERM")
    await sleep(500)
    await expect(fetch(`${api.url}/api/health`)).rejects.toThrow()
    post.finish()
    const reply = await post.reply
    expect(reply.status).toBe(201)
    expect(JSON.parse(reply.body).title).toBe("in flight")
    expect((await api.exited).code).toBe(0)
    expect(Date.now() - signalled).toBeLessThan(10_000)
  }, 90_000)

  it("cuts off what is still running at SHUTDOWN_TIMEOUT_S, and exits", async () => {
    const api = await startApi({ ...(await embedded("deadline")), SHUTDOWN_TIMEOUT_S: "1" })
    const user = freshUser()
    const post = slowPost(api, `/api/${user}/tasks`, await tokenFor(user))
    await sleep(300)
    const signalled = Date.now()
    api.child.kill("SIGTERM")
    await expect(post.reply).rejects.toThrow()
    const exit = await api.exited
    expect(Date.now() - signalled).toBeLessThan(8_000)
    expect(exit.code).toBe(0)
  }, 90_000)
})

/** Creates tasks from `workers` loops until the process dies; the ids of the 201s are what it acknowledged. */
const writeUntilKilled = async (api: ApiProcess, user: string, killAfterMs: number) => {
  const token = await tokenFor(user)
  const acknowledged: Array<number> = []
  let attempted = 0
  let alive = true
  const worker = async (n: number) => {
    for (let i = 0; alive; i++) {
      attempted++
      try {
        const response = await fetch(`${api.url}/api/${user}/tasks`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ title: `write ${n}-${i}` })
        })
        const body = await response.json() as { id: number }
        if (response.status === 201) acknowledged.push(body.id)
      } catch {
        // The process is gone: this write was never acknowledged.
      }
    }
  }
  const workers = Array.from({ length: 8 }, (_, n) => worker(n))
  await sleep(killAfterMs)
  alive = false
  api.child.kill("SIGKILL")
  await Promise.all([api.exited, ...workers])
  return { acknowledged, attempted }
}

const crashSafety = (name: string, env: () => Promise<Record<string, string>>) =>
  it(`every write acknowledged before a SIGKILL is there after a restart (${name})`, async () => {
    const settings = await env()
    const user = freshUser()
    const { acknowledged, attempted } = await writeUntilKilled(await startApi(settings), user, 2_000)
    const restarted = await startApi(settings)
    try {
      const found = new Set(await allTaskIds(restarted.url, user))
      const lost = acknowledged.filter((id) => !found.has(id))
      console.info(
        `SIGKILL mid-writes on ${name}: ${attempted} writes sent, ${acknowledged.length} acknowledged, ` +
          `${found.size} found after restart, ${lost.length} acknowledged but lost`
      )
      expect(acknowledged.length).toBeGreaterThan(0)
      expect(lost).toEqual([])
    } finally {
      restarted.child.kill("SIGTERM")
      await restarted.exited
    }
  }, 120_000)

describe("todo-api under SIGKILL", () => {
  crashSafety("PGlite", () => embedded("crash"))
})

describeOnPostgres("todo-api under SIGKILL on PostgreSQL", () => {
  let schema: FreshSchema
  beforeAll(async () => {
    schema = await freshSchema("http_crash")
  })
  afterAll(() => schema.drop())
  crashSafety("PostgreSQL", async () => ({ DATABASE_URL: schema.url }))
})
