/** The binary's stdout: one JSON line per request, with no token and no task content. */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiProcess, startApi } from "./support/ApiProcess.js"
import { freshUser, tokenFor } from "./support/TestServer.js"

let dataRoot: string
beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), "todo-http-log-"))
})
afterAll(() => rm(dataRoot, { recursive: true, force: true }))

const stopped = async (api: ApiProcess) => {
  api.child.kill("SIGTERM")
  await api.exited
  return api.lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe("the access log", () => {
  it("has time, level, request id, method, route, status, duration and user for each request; never a token or a title", async () => {
    const api = await startApi({ DATA_DIR: join(dataRoot, "info") })
    const user = freshUser()
    const token = await tokenFor(user)
    const title = "a title that must stay private"
    const created = await fetch(`${api.url}/api/${user}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-request-id": "log-trace-1" },
      body: JSON.stringify({ title })
    })
    expect(created.status).toBe(201)
    const search = await fetch(`${api.url}/api/${user}/tasks?q=${encodeURIComponent(title)}`, {
      headers: { authorization: `Bearer ${token}` }
    })
    expect(search.status).toBe(200)
    expect((await fetch(`${api.url}/api/tasks`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401)

    const lines = await stopped(api)
    const requests = lines.filter((line) => line["message"] === "request" && line["route"] !== "/api/health")
    expect(requests).toHaveLength(3)
    expect(requests[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: "info",
      message: "request",
      request_id: "log-trace-1",
      method: "POST",
      route: "/api/:user_id/tasks",
      status: 201,
      duration_ms: expect.any(Number),
      user_id: user
    })
    expect(requests[1]).toMatchObject({ method: "GET", route: "/api/:user_id/tasks", status: 200, user_id: user })
    expect(requests[2]).toMatchObject({ method: "GET", route: "/api/tasks", status: 401, user_id: null })
    const everything = api.lines.join("\n") + api.stderr()
    expect(everything).not.toContain(token.slice(-20))
    expect(everything).not.toContain("private")
  }, 90_000)

  it("logs an event stream by its route, never its access_token", async () => {
    const api = await startApi({ DATA_DIR: join(dataRoot, "events") })
    const user = freshUser()
    const token = await tokenFor(user)
    const controller = new AbortController()
    const stream = await fetch(`${api.url}/api/${user}/events?access_token=${token}`, { signal: controller.signal })
    expect(stream.status).toBe(200)
    const refused = await fetch(`${api.url}/api/${user}/events?access_token=${token}x`)
    expect(refused.status).toBe(401)
    controller.abort()
    await new Promise((resolve) => setTimeout(resolve, 200))

    const lines = await stopped(api)
    const requests = lines.filter((line) => line["message"] === "request" && line["route"] !== "/api/health")
    expect(requests.map((line) => [line["route"], line["status"]])).toEqual(
      expect.arrayContaining([["/api/:user_id/events", 200], ["/api/:user_id/events", 401]])
    )
    const everything = api.lines.join("\n") + api.stderr()
    expect(everything).not.toContain(token.slice(-20))
    expect(everything).not.toContain("access_token")
  }, 90_000)

  it("is off below LOG_LEVEL=info", async () => {
    const api = await startApi({ DATA_DIR: join(dataRoot, "warn"), LOG_LEVEL: "warn" })
    expect((await fetch(`${api.url}/api/health`)).status).toBe(200)
    const lines = await stopped(api)
    expect(lines.filter((line) => line["message"] === "request")).toEqual([])
  }, 90_000)
})
