/** What clients see when the store is down (503) or the code has a bug (500). */
import { RepositoryUnavailable, TaskRepository } from "@todo/core"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { caller, freshUser, startServer, type TestServer } from "./support/TestServer.js"

const down = new RepositoryUnavailable({ reason: "connect ECONNREFUSED 10.0.0.5:5432 SELECT * FROM tasks" })

/** Every operation fails as an unreachable database would, except `findById`, which has a bug. */
const brokenRepository = Layer.succeed(TaskRepository, {
  insert: () => Effect.fail(down),
  insertAll: () => Effect.fail(down),
  findById: () => Effect.dieMessage("a bug with a secret: password=hunter2"),
  list: () => Effect.fail(down),
  update: () => Effect.fail(down),
  toggleCompleted: () => Effect.fail(down),
  remove: () => Effect.fail(down),
  removeAllOf: () => Effect.fail(down),
  countByUser: Effect.fail(down),
  changesAfter: () => Effect.fail(down),
  dropChangesBefore: () => Effect.fail(down),
  emitDueReminders: () => Effect.fail(down),
  ping: Effect.fail(down)
})

describe("HTTP API failures", () => {
  let server: TestServer
  const user = freshUser()
  beforeAll(async () => {
    server = await startServer(brokenRepository)
  })
  afterAll(() => server.close())
  const api = caller(() => server, () => user)

  it("an unreachable database is 503 with Retry-After, and no SQL in the body", async () => {
    for (
      const reply of [
        await api(`/api/${user}/tasks`),
        await api(`/api/${user}/tasks`, { method: "POST", body: { title: "x" } }),
        await api("/api/tasks/1", { method: "DELETE" })
      ]
    ) {
      expect(reply.status).toBe(503)
      expect(reply.headers.get("content-type")).toMatch(/^application\/problem\+json/)
      expect(Number(reply.headers.get("retry-after"))).toBeGreaterThan(0)
      expect(reply.text).not.toMatch(/SELECT|ECONNREFUSED|5432/)
    }
  })

  it("ready is 503 while the database is unreachable; health stays 200", async () => {
    const ready = await api("/api/ready", { as: null })
    expect(ready.status).toBe(503)
    expect(ready.json.status).toBe(503)
    expect((await api("/api/health", { as: null })).status).toBe(200)
  })

  it("a defect is 500 whose body says nothing but the request id", async () => {
    const reply = await api(`/api/${user}/tasks/1`, { headers: { "x-request-id": "trace-500" } })
    expect(reply.status).toBe(500)
    expect(reply.headers.get("content-type")).toMatch(/^application\/problem\+json/)
    expect(reply.json.detail).toContain("trace-500")
    expect(reply.text).not.toMatch(/hunter2|bug|at /)
  })
})
