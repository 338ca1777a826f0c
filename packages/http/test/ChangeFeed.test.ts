/** The change feed over real HTTP: the delta route, and the live events read by a real SSE client. */
import { TaskRepository } from "@todo/core"
import { InMemoryTaskRepository } from "@todo/testing"
import { DateTime, Duration, Effect, Layer, ManagedRuntime } from "effect"
import { EventSource } from "eventsource"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { caller, freshUser, startServer, type TestServer, tokenFor } from "./support/TestServer.js"

const repositoryRuntime = ManagedRuntime.make(InMemoryTaskRepository.layer)
let server: TestServer
let user: string
let repository: TaskRepository["Type"]

beforeAll(async () => {
  repository = await repositoryRuntime.runPromise(TaskRepository)
  server = await startServer(Layer.succeed(TaskRepository, repository))
})
afterAll(async () => {
  await server.close()
  await repositoryRuntime.dispose()
})

const call = caller(() => server, () => user)
const create = (title: string, as = user) => call(`/api/${as}/tasks`, { method: "POST", body: { title }, as })
const fresh = () => (user = freshUser())

/** An EventSource sending the token as a header, keeping what it receives. */
const open = async (path: string, options: { readonly token?: string; readonly headers?: Record<string, string> } = {}) => {
  const token = options.token ?? await tokenFor(user)
  const events: Array<{ type: string; id: string; data: any }> = []
  const source = new EventSource(`${server.url}${path}`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}`, ...options.headers } })
  })
  for (const type of ["task.created", "task.updated", "task.deleted", "task.reminder"]) {
    source.addEventListener(type, (event) => events.push({ type, id: event.lastEventId, data: JSON.parse(event.data) }))
  }
  await new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve()
    source.onerror = (error) => reject(error)
  })
  return { source, events }
}

const until = async (check: () => boolean, withinMs = 3_000) => {
  for (const started = Date.now(); !check(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`)
  }
}

/** The raw response of the events route, read chunk by chunk. */
const rawEvents = async (path: string, headers: Record<string, string>) => {
  const controller = new AbortController()
  const response = await fetch(`${server.url}${path}`, { headers, signal: controller.signal })
  let text = ""
  const reading = (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of response.body!) text += decoder.decode(chunk as Uint8Array, { stream: true })
    } catch {
      // Aborted by the test.
    }
  })()
  return { response, text: () => text, ended: reading, close: () => controller.abort() }
}

describe("GET /api/{user_id}/tasks/changes", () => {
  it("without since: no changes, the current cursor, no more", async () => {
    fresh()
    await create("before")
    const reply = await call(`/api/${user}/tasks/changes`)
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({ changes: [], cursor: expect.any(String), has_more: false })
  })

  it("serves every change after the cursor, oldest first, then continues from the page's cursor", async () => {
    fresh()
    const start = (await call(`/api/${user}/tasks/changes`)).json.cursor
    const created = (await create("one")).json
    await call(`/api/${user}/tasks/${created.id}`, { method: "PUT", body: { title: "one!" } })
    await call(`/api/${user}/tasks/${created.id}`, { method: "DELETE" })
    const page = await call(`/api/${user}/tasks/changes?since=${start}`)
    expect(page.status).toBe(200)
    expect(page.json.changes.map((change: any) => change.type)).toEqual(["created", "updated", "deleted"])
    expect(page.json.changes[0]).toEqual({ type: "created", task_id: created.id, task: created, at: expect.any(String) })
    expect(page.json.changes[1].task.title).toBe("one!")
    expect(page.json.changes[2]).toMatchObject({ type: "deleted", task_id: created.id, task: null })
    expect(page.json.changes[0]).not.toHaveProperty("cursor")
    expect(page.json.has_more).toBe(false)
    const after = await call(`/api/${user}/tasks/changes?since=${page.json.cursor}`)
    expect(after.json).toEqual({ changes: [], cursor: page.json.cursor, has_more: false })
  })

  it("pages by limit with has_more, losing and repeating nothing", async () => {
    fresh()
    let cursor = (await call(`/api/tasks/changes`)).json.cursor
    for (let i = 0; i < 5; i++) await create(`t${i}`)
    const titles: Array<string> = []
    for (let more = true; more;) {
      const page = await call(`/api/tasks/changes?since=${cursor}&limit=2`)
      expect(page.json.changes.length).toBeLessThanOrEqual(2)
      titles.push(...page.json.changes.map((change: any) => change.task.title))
      ;({ cursor, has_more: more } = page.json)
    }
    expect(titles).toEqual(["t0", "t1", "t2", "t3", "t4"])
  })

  it.each(["0", "501", "ten", "1.5"])("limit=%s is 422 naming limit", async (limit) => {
    fresh()
    const cursor = (await call(`/api/${user}/tasks/changes`)).json.cursor
    const reply = await call(`/api/${user}/tasks/changes?since=${cursor}&limit=${limit}`)
    expect(reply.status).toBe(422)
    expect(reply.headers.get("content-type")).toBe("application/problem+json")
    expect(reply.json.errors.map((error: any) => error.path)).toEqual(["limit"])
  })

  it("a malformed cursor, or another user's, is 422 naming since", async () => {
    fresh()
    const theirs = (await call(`/api/tasks/changes`, { as: "someone-else" })).json.cursor
    for (const since of ["nonsense", theirs, ""]) {
      const reply = await call(`/api/${user}/tasks/changes?since=${encodeURIComponent(since)}`)
      expect(reply.status).toBe(422)
      expect(reply.json.errors.map((error: any) => error.path)).toEqual(["since"])
    }
  })

  it("a cursor whose following changes were dropped is 410", async () => {
    fresh()
    const cursor = (await call(`/api/${user}/tasks/changes`)).json.cursor
    await create("gone soon")
    await Effect.runPromise(repository.dropChangesBefore(DateTime.addDuration(DateTime.unsafeNow(), Duration.seconds(1))))
    const reply = await call(`/api/${user}/tasks/changes?since=${cursor}`)
    expect(reply.status).toBe(410)
    expect(reply.headers.get("content-type")).toBe("application/problem+json")
    expect(reply.json).toMatchObject({ status: 410, title: "Gone" })
  })

  it("is not taken for a task id, and another user's path is 403", async () => {
    fresh()
    expect((await call(`/api/${user}/tasks/changes`)).status).toBe(200)
    expect((await call(`/api/someone-else/tasks/changes`)).status).toBe(403)
    expect((await call(`/api/${user}/tasks/changes`, { as: null })).status).toBe(401)
  })
})

describe("GET /api/{user_id}/events", () => {
  it("streams each change as id, event and one line of data, with the stream's headers", async () => {
    fresh()
    const raw = await rawEvents(`/api/${user}/events`, { authorization: `Bearer ${await tokenFor(user)}` })
    expect(raw.response.status).toBe(200)
    expect(raw.response.headers.get("content-type")).toBe("text/event-stream")
    expect(raw.response.headers.get("cache-control")).toBe("no-cache")
    expect(raw.response.headers.get("x-accel-buffering")).toBe("no")
    await until(() => raw.text().startsWith(": keep-alive\n\n"))
    const task = (await create("live")).json
    await until(() => raw.text().includes("\n\n", ": keep-alive\n\n".length))
    raw.close()
    const frame = raw.text().slice(": keep-alive\n\n".length).split("\n")
    expect(frame[0]).toMatch(/^id: \S+$/)
    expect(frame[1]).toBe("event: task.created")
    expect(JSON.parse(frame[2]!.slice("data: ".length))).toEqual({ type: "created", task_id: task.id, task, at: expect.any(String) })
  })

  it("an EventSource sees a change within a second, its id a cursor of the delta route", async () => {
    fresh()
    const { events, source } = await open(`/api/${user}/events`)
    const started = Date.now()
    await create("seen")
    await until(() => events.length === 1, 1_000)
    expect(Date.now() - started).toBeLessThan(1_000)
    source.close()
    expect(events[0]).toMatchObject({ type: "task.created", data: { type: "created", task: { title: "seen" } } })
    const after = await call(`/api/${user}/tasks/changes?since=${events[0]!.id}`)
    expect(after.json.changes).toEqual([])
  })

  it("resumes after Last-Event-ID (which wins over since) with nothing lost or repeated", async () => {
    fresh()
    const first = await open(`/api/${user}/events`)
    await create("a")
    await create("b")
    await until(() => first.events.length === 2)
    first.source.close()
    await create("c")
    await create("d")
    const lastId = first.events[1]!.id
    const resumed = await open(`/api/${user}/events?since=nonsense`, { headers: { "last-event-id": lastId } })
    await create("e")
    await until(() => resumed.events.length === 3)
    await new Promise((resolve) => setTimeout(resolve, 100))
    resumed.source.close()
    expect(resumed.events.map((event) => event.data.task.title)).toEqual(["c", "d", "e"])
    const bySince = await open(`/api/${user}/events?since=${lastId}`)
    await until(() => bySince.events.length === 3)
    bySince.source.close()
    expect(bySince.events.map((event) => event.data.task.title)).toEqual(["c", "d", "e"])
  })

  it("each of a user's streams gets every change once, a resuming one joining the live ones without a gap", async () => {
    fresh()
    const start = (await call(`/api/${user}/tasks/changes`)).json.cursor
    const live = await open(`/api/${user}/events`)
    await create("one")
    const writes = Promise.all(Array.from({ length: 20 }, (_, i) => create(`burst ${i}`)))
    const resumed = await open(`/api/${user}/events?since=${start}`)
    await writes
    await create("last")
    await until(() => live.events.length === 22 && resumed.events.length === 22)
    await new Promise((resolve) => setTimeout(resolve, 100))
    live.source.close()
    resumed.source.close()
    expect(resumed.events.map((event) => event.id)).toEqual(live.events.map((event) => event.id))
    expect(new Set(live.events.map((event) => event.id)).size).toBe(22)
  })

  it("a malformed or foreign Last-Event-ID or since is 422 before the stream; one past retention is 410", async () => {
    fresh()
    const headers = { authorization: `Bearer ${await tokenFor(user)}` }
    const theirs = (await call(`/api/tasks/changes`, { as: "someone-else" })).json.cursor
    const malformed = await call(`/api/${user}/events`, { headers: { "last-event-id": "garbage" } })
    expect(malformed.status).toBe(422)
    expect(malformed.json.errors.map((error: any) => error.path)).toEqual(["Last-Event-ID"])
    const foreign = await call(`/api/${user}/events?since=${theirs}`)
    expect(foreign.status).toBe(422)
    expect(foreign.json.errors.map((error: any) => error.path)).toEqual(["since"])
    const cursor = (await call(`/api/${user}/tasks/changes`)).json.cursor
    await create("dropped")
    await Effect.runPromise(repository.dropChangesBefore(DateTime.addDuration(DateTime.unsafeNow(), Duration.seconds(1))))
    const expired = await fetch(`${server.url}/api/${user}/events?since=${cursor}`, { headers })
    expect(expired.status).toBe(410)
    expect(expired.headers.get("content-type")).toBe("application/problem+json")
  })

  it("takes the token as access_token on this route, and on no other", async () => {
    fresh()
    const token = await tokenFor(user)
    const raw = await rawEvents(`/api/events?access_token=${token}`, {})
    expect(raw.response.status).toBe(200)
    raw.close()
    expect((await fetch(`${server.url}/api/tasks?access_token=${token}`)).status).toBe(401)
    expect((await fetch(`${server.url}/api/tasks/changes?access_token=${token}`)).status).toBe(401)
    expect((await fetch(`${server.url}/api/events?access_token=not-a-token`)).status).toBe(401)
    expect((await fetch(`${server.url}/api/someone-else/events?access_token=${token}`)).status).toBe(403)
  })

  it("holds at most 10 streams per user: the 11th is 429 with Retry-After until one closes", async () => {
    fresh()
    const headers = { authorization: `Bearer ${await tokenFor(user)}` }
    const streams = await Promise.all(Array.from({ length: 10 }, () => rawEvents(`/api/${user}/events`, headers)))
    expect(streams.map((stream) => stream.response.status)).toEqual(Array(10).fill(200))
    const refused = await fetch(`${server.url}/api/${user}/events`, { headers })
    expect(refused.status).toBe(429)
    expect(refused.headers.get("retry-after")).toMatch(/^[1-9][0-9]*$/)
    expect(refused.headers.get("content-type")).toBe("application/problem+json")
    // Another user is not affected.
    const other = await rawEvents(`/api/events`, { authorization: `Bearer ${await tokenFor(freshUser())}` })
    expect(other.response.status).toBe(200)
    other.close()
    streams[0]!.close()
    let again: Response | undefined
    for (const started = Date.now(); Date.now() - started < 3_000;) {
      again = await fetch(`${server.url}/api/${user}/events`, { headers })
      if (again.status === 200) break
      await again.text()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(again?.status).toBe(200)
    await again?.body?.cancel()
    for (const stream of streams) stream.close()
  })

  it("ends the stream when its token expires", async () => {
    fresh()
    const token = await tokenFor(user, { expiresAt: Math.floor(Date.now() / 1000) + 2 })
    const raw = await rawEvents(`/api/${user}/events`, { authorization: `Bearer ${token}` })
    expect(raw.response.status).toBe(200)
    const started = Date.now()
    await raw.ended
    expect(Date.now() - started).toBeLessThan(3_500)
  })

  it("preflight allows Last-Event-ID; the stream carries the CORS headers", async () => {
    fresh()
    const preflight = await fetch(`${server.url}/api/${user}/events`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization, last-event-id"
      }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-headers")).toContain("last-event-id")
    const raw = await rawEvents(`/api/${user}/events`, {
      authorization: `Bearer ${await tokenFor(user)}`,
      origin: "https://app.example.com"
    })
    expect(raw.response.headers.get("access-control-allow-origin")).toBe("https://app.example.com")
    raw.close()
  })
})

describe("shutdown", () => {
  it("ends open streams cleanly at once, without waiting for the drain's deadline", async () => {
    const own = await startServer(InMemoryTaskRepository.layer, { shutdownTimeoutSeconds: 30 })
    const id = freshUser()
    const response = await fetch(`${own.url}/api/${id}/events`, { headers: { authorization: `Bearer ${await tokenFor(id)}` } })
    expect(response.status).toBe(200)
    const body = response.text()
    const started = Date.now()
    await own.close()
    expect(await body).toBe(": keep-alive\n\n")
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})
