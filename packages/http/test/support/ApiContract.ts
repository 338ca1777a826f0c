/**
 * The HTTP contract (API.md), over real HTTP, for any `TaskRepository`: the same suite runs on
 * the in-memory store and on PostgreSQL.
 */
import type { TaskRepository } from "@todo/core"
import { Tokens } from "@todo/testing"
import type { Layer } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { recurringTasks } from "./RecurrenceContract.js"
import { ALLOWED_ORIGIN, caller, freshUser, startServer, tokenFor, type TestServer } from "./TestServer.js"

const TASK_FIELDS = [
  "completed",
  "created_at",
  "description",
  "due_date",
  "id",
  "next_occurrence_id",
  "priority",
  "recurrence",
  "remind_at",
  "tags",
  "timezone",
  "title",
  "updated_at",
  "user_id"
]

const expectProblem = (reply: { status: number; headers: Headers; json: any }, status: number) => {
  expect(reply.status).toBe(status)
  expect(reply.headers.get("content-type")).toMatch(/^application\/problem\+json/)
  expect(reply.json).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) })
}

const nextLink = (headers: Headers): string | undefined => /^<([^>]+)>; rel="next"$/.exec(headers.get("link") ?? "")?.[1]

export const apiContract = (name: string, repository: Layer.Layer<TaskRepository, unknown>): void => {
  describe(`HTTP API contract: ${name}`, () => {
    let server: TestServer
    let user: string
    beforeAll(async () => {
      server = await startServer(repository)
    })
    afterAll(() => server.close())
    beforeEach(() => {
      user = freshUser()
    })
    const api = caller(() => server, () => user)
    const create = async (body: object = { title: "a task" }, as = user) => {
      const reply = await api(`/api/${as}/tasks`, { method: "POST", body, as })
      expect(reply.status).toBe(201)
      return reply.json
    }

    describe("tasks", () => {
      it("POST creates a task: 201, Location, ETag and exactly the contract's fields", async () => {
        const reply = await api(`/api/${user}/tasks`, {
          method: "POST",
          body: { title: "  Buy milk ", tags: ["home"], due_date: "2026-05-01T18:30:00+02:00", user_id: "someone-else" }
        })
        expect(reply.status).toBe(201)
        expect(Object.keys(reply.json).sort()).toEqual(TASK_FIELDS)
        expect(reply.json).toMatchObject({
          user_id: user,
          title: "Buy milk",
          description: null,
          completed: false,
          priority: "medium",
          tags: ["home"],
          due_date: "2026-05-01T16:30:00.000Z"
        })
        expect(reply.headers.get("location")).toBe(`/api/${user}/tasks/${reply.json.id}`)
        expect(reply.headers.get("etag")).toMatch(/^"\d+"$/)
      })

      it("GET one answers the task with its ETag", async () => {
        const task = await create()
        const reply = await api(`/api/${user}/tasks/${task.id}`)
        expect(reply.status).toBe(200)
        expect(reply.json).toEqual(task)
        expect(reply.headers.get("etag")).toBe(`"${Date.parse(task.updated_at)}"`)
      })

      it("GET lists the user's tasks as a JSON array", async () => {
        const first = await create({ title: "first" })
        const second = await create({ title: "second" })
        const reply = await api(`/api/${user}/tasks`)
        expect(reply.status).toBe(200)
        expect(reply.headers.get("content-type")).toMatch(/^application\/json/)
        expect(reply.json.map((task: any) => task.id).sort()).toEqual([first.id, second.id].sort())
        expect(reply.headers.get("link")).toBeNull()
      })

      for (const method of ["PUT", "PATCH"]) {
        it(`${method} changes the named fields, null clears, read-only fields are ignored`, async () => {
          const task = await create({ title: "draft", description: "notes", due_date: "2026-01-01T00:00:00Z" })
          const reply = await api(`/api/${user}/tasks/${task.id}`, {
            method,
            body: { title: "final", description: null, due_date: null, id: 999, user_id: "x", created_at: "2000-01-01T00:00:00Z" }
          })
          expect(reply.status).toBe(200)
          expect(reply.json).toMatchObject({ id: task.id, user_id: user, title: "final", description: null, due_date: null })
          expect(reply.json.created_at).toBe(task.created_at)
          expect(reply.headers.get("etag")).toBe(`"${Date.parse(reply.json.updated_at)}"`)
          expect((await api(`/api/${user}/tasks/${task.id}`)).json).toEqual(reply.json)
        })
      }

      it("an empty change is 422", async () => {
        const task = await create()
        expectProblem(await api(`/api/${user}/tasks/${task.id}`, { method: "PUT", body: {} }), 422)
      })

      it("fields a task does not have are ignored, and a change of nothing but those says so, naming them", async () => {
        const created = await api(`/api/${user}/tasks`, { method: "POST", body: { title: "kept", colour: "red", user_id: "x" } })
        expect(created.status).toBe(201)
        expect(Object.keys(created.json).sort()).toEqual(TASK_FIELDS)
        expect(created.json).toMatchObject({ title: "kept", user_id: user })
        const typo = await api(`/api/${user}/tasks/${created.json.id}`, { method: "PATCH", body: { titel: "typo", user_id: "x" } })
        expectProblem(typo, 422)
        expect(typo.json.errors).toEqual([{
          path: "",
          message:
            "must change at least one of: title, description, completed, priority, tags, due_date, recurrence, timezone, remind_at; " +
            "fields the task does not have are ignored: titel, user_id"
        }])
        const completed = await api(`/api/${user}/tasks/${created.json.id}/complete`, {
          method: "PATCH",
          body: { completed: true, done: 1 }
        })
        expect(completed.json.completed).toBe(true)
      })

      it("the OpenAPI document says the same of other fields: allowed, and ignored", async () => {
        const { components: { schemas } } = (await api("/api/openapi.json", { as: null })).json
        for (const name of ["NewTask", "TaskUpdate", "Completed"]) {
          expect(schemas[name].additionalProperties, name).toBe(true)
          expect(schemas[name].description, name).toMatch(/Fields the task does not have \(user_id among them\) are ignored/)
        }
      })

      it("DELETE is 204 with no body, and a second delete is 404", async () => {
        const task = await create()
        const reply = await api(`/api/${user}/tasks/${task.id}`, { method: "DELETE" })
        expect(reply.status).toBe(204)
        expect(reply.text).toBe("")
        expectProblem(await api(`/api/${user}/tasks/${task.id}`, { method: "DELETE" }), 404)
        expectProblem(await api(`/api/${user}/tasks/${task.id}`), 404)
      })

      it("PATCH …/complete without a body toggles, with an empty body too", async () => {
        const task = await create()
        const once = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH" })
        expect(once.status).toBe(200)
        expect(once.json.completed).toBe(true)
        expect(once.headers.get("etag")).toMatch(/^"\d+"$/)
        const twice = await api(`/api/${user}/tasks/${task.id}/complete`, {
          method: "PATCH",
          body: "",
          headers: { "content-type": "application/json" }
        })
        expect(twice.json.completed).toBe(false)
      })

      it("PATCH …/complete with {completed} sets it, idempotently", async () => {
        const task = await create()
        for (let i = 0; i < 2; i++) {
          const reply = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH", body: { completed: true } })
          expect(reply.status).toBe(200)
          expect(reply.json.completed).toBe(true)
        }
        const wrong = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH", body: { completed: "yes" } })
        expectProblem(wrong, 422)
        expect(wrong.json.errors).toEqual([{ path: "completed", message: expect.any(String) }])
      })

      it("the same six operations work under /api/tasks for the token's user", async () => {
        const created = await api("/api/tasks", { method: "POST", body: { title: "short form" } })
        expect(created.status).toBe(201)
        const id = created.json.id
        expect(created.headers.get("location")).toBe(`/api/tasks/${id}`)
        expect(created.json.user_id).toBe(user)
        expect((await api(`/api/${user}/tasks/${id}`)).json).toEqual(created.json)
        expect((await api("/api/tasks")).json.map((task: any) => task.id)).toEqual([id])
        expect((await api(`/api/tasks/${id}`)).headers.get("etag")).toMatch(/^"\d+"$/)
        expect((await api(`/api/tasks/${id}`, { method: "PUT", body: { priority: "high" } })).json.priority).toBe("high")
        expect((await api(`/api/tasks/${id}`, { method: "PATCH", body: { priority: "low" } })).json.priority).toBe("low")
        expect((await api(`/api/tasks/${id}/complete`, { method: "PATCH" })).json.completed).toBe(true)
        expect((await api(`/api/tasks/${id}`, { method: "DELETE" })).status).toBe(204)
        expectProblem(await api(`/api/tasks/${id}`), 404)
      })

      it("a repeated Idempotency-Key returns the first task instead of a second", async () => {
        const headers = { "idempotency-key": "create-once" }
        const first = await api(`/api/${user}/tasks`, { method: "POST", body: { title: "once" }, headers })
        const again = await api(`/api/${user}/tasks`, { method: "POST", body: { title: "once" }, headers })
        expect(first.status).toBe(201)
        expect(again.json.id).toBe(first.json.id)
        expect((await api(`/api/${user}/tasks`)).json).toHaveLength(1)
      })

      it("concurrent retries with one Idempotency-Key create one task, and each is answered with it", async () => {
        const headers = { "idempotency-key": `retry-${user}` }
        const replies = await Promise.all(
          Array.from({ length: 12 }, () => api(`/api/${user}/tasks`, { method: "POST", body: { title: "exactly once" }, headers }))
        )
        expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(201))
        expect(new Set(replies.map((reply) => reply.json.id)).size).toBe(1)
        expect(new Set(replies.map((reply) => reply.headers.get("location"))).size).toBe(1)
        expect((await api(`/api/${user}/tasks`)).json).toHaveLength(1)
        // Another user's key space is their own.
        const other = freshUser()
        const theirs = await api(`/api/${other}/tasks`, { method: "POST", body: { title: "theirs" }, headers, as: other })
        expect(theirs.status).toBe(201)
        expect(theirs.json.id).not.toBe(replies[0]!.json.id)
      })

      it("an Idempotency-Key over 200 characters is 422", async () => {
        const reply = await api(`/api/${user}/tasks`, {
          method: "POST",
          body: { title: "x" },
          headers: { "idempotency-key": "k".repeat(201) }
        })
        expectProblem(reply, 422)
        expect(reply.json.errors[0].path).toBe("idempotency-key")
      })
    })

    describe("list query", () => {
      it("Link pages through every task exactly once, keeping the other parameters", async () => {
        const titles = ["e", "a", "g", "c", "b", "f", "d"]
        for (const title of titles) await create({ title })
        const seen: Array<string> = []
        let next: string | undefined = `/api/${user}/tasks?sort=title&order=asc&limit=3&unknown=kept`
        let pages = 0
        while (next !== undefined) {
          const reply = await api(next)
          expect(reply.status).toBe(200)
          seen.push(...reply.json.map((task: any) => task.title))
          next = nextLink(reply.headers)
          if (next !== undefined) expect(next).toMatch(/^\/api\/.+\/tasks\?.*sort=title.*&cursor=/)
          pages++
        }
        expect(pages).toBe(3)
        expect(seen).toEqual([...titles].sort())
      })

      it("status_filter is an alias of status, created of created_at", async () => {
        const done = await create({ title: "done", completed: true })
        await create({ title: "open" })
        const reply = await api(`/api/${user}/tasks?status_filter=completed&sort=created`)
        expect(reply.status).toBe(200)
        expect(reply.json.map((task: any) => task.id)).toEqual([done.id])
        const pending = await api(`/api/${user}/tasks?status=pending`)
        expect(pending.json.map((task: any) => task.title)).toEqual(["open"])
      })

      it("filters by priority, tag and text", async () => {
        await create({ title: "Pay rent", priority: "high", tags: ["Home"] })
        await create({ title: "Call mum", description: "about RENT" })
        await create({ title: "Walk", priority: "low" })
        const titles = async (query: string) =>
          (await api(`/api/${user}/tasks?${query}&sort=title&order=asc`)).json.map((task: any) => task.title)
        expect(await titles("priority=high")).toEqual(["Pay rent"])
        expect(await titles("tag=home")).toEqual(["Pay rent"])
        expect(await titles("q=rent")).toEqual(["Call mum", "Pay rent"])
      })

      for (
        const query of [
          "limit=0",
          "limit=501",
          "limit=ten",
          "status=done",
          "sort=rank",
          "order=up",
          "priority=urgent",
          "due_before=tomorrow"
        ]
      ) {
        it(`an invalid ${query.split("=")[0]} is 422, never ignored (${query})`, async () => {
          const reply = await api(`/api/${user}/tasks?${query}`)
          expectProblem(reply, 422)
          expect(reply.json.errors[0].path).toBe(query.split("=")[0])
        })
      }

      it("field errors are in our words, never Effect's (\"Unable to decode\", \"DateTime.Utc\", \"Expected\")", async () => {
        const DATE_RULE = "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T17:00:00Z"
        const LIMIT_RULE = "must be a whole number from 1 to 500"
        const queries: ReadonlyArray<[string, string]> = [
          ["limit=abc", LIMIT_RULE],
          ["limit=1.5", LIMIT_RULE],
          ["limit=1e2", LIMIT_RULE],
          ["limit=0", LIMIT_RULE],
          ["limit=501", LIMIT_RULE],
          ["due_before=2026-12-31", DATE_RULE],
          ["due_after=2026-12-31T25:00:00Z", "must be a time that exists: hours run from 00 to 23"]
        ]
        for (const [query, message] of queries) {
          const reply = await api(`/api/${user}/tasks?${query}`)
          expect(reply.json.errors, query).toEqual([{ path: query.split("=")[0], message }])
        }
        const body = await api(`/api/${user}/tasks`, {
          method: "POST",
          body: { title: 5, due_date: "2026-02-30T10:00:00Z", remind_at: 17, tags: "home", completed: "yes" }
        })
        expect(body.json.errors).toEqual([
          { path: "title", message: "must be a string" },
          { path: "completed", message: "must be true or false" },
          { path: "tags", message: "must be an array" },
          { path: "due_date", message: "must be a date that exists: February has 28 days, 29 in leap years" },
          { path: "remind_at", message: "must be a string" }
        ])
        for (const reply of [body, await api(`/api/${user}/tasks?limit=x&due_before=y`)]) {
          expect(reply.text).not.toMatch(/Unable to decode|DateTime|NumberFromString|Expected|actual/)
        }
      })

      it("a cursor that is not ours is 422 on cursor", async () => {
        const reply = await api(`/api/${user}/tasks?cursor=garbage`)
        expectProblem(reply, 422)
        expect(reply.json.errors).toEqual([{ path: "cursor", message: expect.any(String) }])
      })

      it("a list query asked again sees the tasks as they are now", async () => {
        await api(`/api/${user}/tasks`, { method: "POST", body: { title: "first" } })
        expect((await api(`/api/${user}/tasks?limit=1&sort=title&order=asc`)).json.map((task: any) => task.title)).toEqual(["first"])
        await api(`/api/${user}/tasks`, { method: "POST", body: { title: "earlier in the alphabet" } })
        expect((await api(`/api/${user}/tasks?limit=1&sort=title&order=asc`)).json.map((task: any) => task.title)).toEqual([
          "earlier in the alphabet"
        ])
        expectProblem(await api(`/api/${user}/tasks?limit=1&sort=titles&order=asc`), 422)
      })

      it("unknown query parameters are ignored", async () => {
        await create()
        const reply = await api(`/api/${user}/tasks?page=2&foo=bar`)
        expect(reply.status).toBe(200)
        expect(reply.json).toHaveLength(1)
      })
    })

    describe("errors", () => {
      it("another user's task is 404 with the same body as a missing one", async () => {
        const task = await create()
        const intruder = freshUser()
        const theirs = await api(`/api/${intruder}/tasks/${task.id}`, { as: intruder })
        const missing = await api(`/api/${intruder}/tasks/2147483647`, { as: intruder })
        expectProblem(theirs, 404)
        expect(theirs.json).toEqual(missing.json)
      })

      for (const id of ["abc", "0", "-1", "1.5", "2147483648", "007"]) {
        it(`an id that is not a positive 32-bit integer is 404 (${id})`, async () => {
          expectProblem(await api(`/api/${user}/tasks/${id}`), 404)
          expectProblem(await api(`/api/${user}/tasks/${id}`, { method: "PUT", body: { title: "x" } }), 404)
        })
      }

      it("an unknown route is a 404 problem", async () => {
        expectProblem(await api("/api/nothing/here/at/all"), 404)
        expectProblem(await api("/elsewhere", { as: null }), 404)
      })

      it("a known path with the wrong method is 405 with Allow", async () => {
        const reply = await api(`/api/${user}/tasks`, { method: "DELETE" })
        expectProblem(reply, 405)
        expect(reply.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"])
        const item = await api("/api/tasks/1/complete", { method: "POST" })
        expectProblem(item, 405)
        expect(item.headers.get("allow")).toBe("PATCH")
      })

      it("malformed JSON is 400", async () => {
        expectProblem(await api(`/api/${user}/tasks`, { method: "POST", body: "{\"title\": " }), 400)
      })

      it("a POST without a body is 400", async () => {
        expectProblem(await api(`/api/${user}/tasks`, { method: "POST" }), 400)
      })

      it("a body that is not application/json is 415", async () => {
        const reply = await api(`/api/${user}/tasks`, {
          method: "POST",
          body: "title=x",
          headers: { "content-type": "application/x-www-form-urlencoded" }
        })
        expectProblem(reply, 415)
      })

      it("a body over 64 KiB is 413 when its length is declared", async () => {
        const reply = await api(`/api/${user}/tasks`, { method: "POST", body: { title: "x", description: "d".repeat(70_000) } })
        expectProblem(reply, 413)
      })

      it("a body over 64 KiB is 413 while reading when its length is not declared", async () => {
        const { token } = { token: await tokenFor(user) }
        const chunk = new TextEncoder().encode(" ".repeat(16 * 1024))
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("{\"title\":\"x\""))
            for (let i = 0; i < 5; i++) controller.enqueue(chunk)
            controller.enqueue(new TextEncoder().encode("}"))
            controller.close()
          }
        })
        const response = await fetch(`${server.url}/api/${user}/tasks`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body,
          duplex: "half"
        } as RequestInit)
        expect(response.status).toBe(413)
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/)
      })

      it("a body that breaks the rules is 422 with every field's path", async () => {
        const reply = await api(`/api/${user}/tasks`, {
          method: "POST",
          body: { title: "   ", priority: "urgent", tags: ["a", "A"] }
        })
        expectProblem(reply, 422)
        expect(reply.json.errors.map((error: any) => error.path)).toEqual(expect.arrayContaining(["priority", "tags.1", "title"]))
      })

      it("a stale If-Match is 412; the current one, a list holding it, W/ and * all pass", async () => {
        const task = await create()
        const path = `/api/${user}/tasks/${task.id}`
        const stale = `"${Date.parse(task.updated_at) - 1000}"`
        expectProblem(await api(path, { method: "PUT", body: { title: "x" }, headers: { "if-match": stale } }), 412)
        const current = await api(path, {
          method: "PUT",
          body: { title: "y" },
          headers: { "if-match": `"${Date.parse(task.updated_at)}"` }
        })
        expect(current.status).toBe(200)
        const etag = current.headers.get("etag")!
        expectProblem(await api(path, { method: "PATCH", body: { title: "z" }, headers: { "if-match": stale } }), 412)
        const listed = await api(path, { method: "PATCH", body: { title: "z" }, headers: { "if-match": `${stale}, ${etag}` } })
        expect(listed.status).toBe(200)
        const weak = await api(path, { method: "PUT", body: { title: "w" }, headers: { "if-match": `W/${listed.headers.get("etag")}` } })
        expect(weak.status).toBe(200)
        expect((await api(path, { method: "PUT", body: { title: "any" }, headers: { "if-match": "*" } })).status).toBe(200)
        expect((await api(path)).json.title).toBe("any")
      })

      it("no token is 401 with WWW-Authenticate: Bearer", async () => {
        for (const headers of [{}, { authorization: "" }, { authorization: "Basic dXNlcjpwYXNz" }, { authorization: "Bearer " }]) {
          const reply = await api(`/api/${user}/tasks`, { as: null, headers })
          expectProblem(reply, 401)
          expect(reply.headers.get("www-authenticate")).toBe("Bearer")
        }
      })

      it("a bad or expired token is 401 with error=\"invalid_token\" and why, never the token", async () => {
        const expired = await tokenFor(user, { expiresAt: "-1h", issuedAt: "-2h" })
        const refusals: ReadonlyArray<[string, string]> = [
          ["not-a-jwt", "the token is malformed"],
          [expired, "the token has expired"],
          [`${await tokenFor(user)}x`, "the signature does not verify: the token was signed with another secret or key"],
          [
            await Tokens.mintHs256("another-secret-that-is-at-least-32-bytes", { subject: user }),
            "the signature does not verify: the token was signed with another secret or key"
          ],
          [await tokenFor(user, { expiresAt: null }), "the token has no expiry (exp) claim"],
          [await tokenFor(user, { notBefore: "1h" }), "the token is not valid yet (nbf is in the future)"]
        ]
        for (const [token, reason] of refusals) {
          const reply = await api(`/api/${user}/tasks`, { as: null, headers: { authorization: `Bearer ${token}` } })
          expectProblem(reply, 401)
          expect(reply.headers.get("www-authenticate")).toBe(`Bearer error="invalid_token", error_description="${reason}"`)
          expect(reply.json.detail).toBe(`The bearer token was refused: ${reason}.`)
          expect(reply.text).not.toContain(token)
        }
      })

      it("the Bearer scheme is case-insensitive", async () => {
        const reply = await api(`/api/${user}/tasks`, { as: null, headers: { authorization: `bearer ${await tokenFor(user)}` } })
        expect(reply.status).toBe(200)
      })

      it("a {user_id} other than the token's is 403", async () => {
        const other = freshUser()
        expectProblem(await api(`/api/${other}/tasks`), 403)
        expectProblem(await api(`/api/${other}/tasks`, { method: "POST", body: { title: "x" } }), 403)
      })
    })

    describe("isolation", () => {
      it("two users never see each other's tasks through any endpoint", async () => {
        const alice = user
        const bob = freshUser()
        const task = await create({ title: "alice's" }, alice)
        await create({ title: "bob's" }, bob)
        const asBob = (path: string, call: Parameters<typeof api>[1] = {}) => api(path, { ...call, as: bob })
        for (const base of [`/api/${bob}/tasks`, "/api/tasks"]) {
          expect((await asBob(base)).json.map((t: any) => t.title)).toEqual(["bob's"])
          expectProblem(await asBob(`${base}/${task.id}`), 404)
          expectProblem(await asBob(`${base}/${task.id}`, { method: "PUT", body: { title: "mine" } }), 404)
          expectProblem(await asBob(`${base}/${task.id}`, { method: "PATCH", body: { title: "mine" } }), 404)
          expectProblem(await asBob(`${base}/${task.id}/complete`, { method: "PATCH" }), 404)
          expectProblem(await asBob(`${base}/${task.id}`, { method: "DELETE" }), 404)
        }
        expectProblem(await asBob(`/api/${alice}/tasks`), 403)
        expect((await api(`/api/${alice}/tasks/${task.id}`)).json).toEqual(task)
      })
    })

    recurringTasks(api, () => user)

    describe("operations", () => {
      it("x-request-id: a sane one is echoed, anything else replaced, on every response", async () => {
        const echoed = await api(`/api/${user}/tasks`, { headers: { "x-request-id": "abc-123.X_y" } })
        expect(echoed.headers.get("x-request-id")).toBe("abc-123.X_y")
        for (const insane of ["has space", "x".repeat(129), "semi;colon"]) {
          const replaced = await api("/api/health", { as: null, headers: { "x-request-id": insane } })
          expect(replaced.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._-]{1,128}$/)
          expect(replaced.headers.get("x-request-id")).not.toBe(insane)
        }
        for (const reply of [await api("/nope"), await api(`/api/${user}/tasks`, { as: null })]) {
          expect(reply.headers.get("x-request-id")).toMatch(/^[A-Za-z0-9._-]+$/)
        }
      })

      it("CORS: a preflight from an allowed origin is 204 and allows Authorization", async () => {
        const reply = await api(`/api/${user}/tasks`, {
          method: "OPTIONS",
          as: null,
          headers: {
            origin: ALLOWED_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type"
          }
        })
        expect(reply.status).toBe(204)
        expect(reply.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN)
        expect(reply.headers.get("access-control-allow-headers")).toContain("authorization")
        expect(reply.headers.get("access-control-allow-methods")).toContain("POST")
        expect(reply.headers.get("x-request-id")).not.toBeNull()
      })

      it("CORS: responses name only allowed origins, never * with credentials", async () => {
        const allowed = await api(`/api/${user}/tasks`, { headers: { origin: ALLOWED_ORIGIN } })
        expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN)
        expect(allowed.headers.get("access-control-allow-credentials")).toBe("true")
        expect(allowed.headers.get("access-control-expose-headers")).toContain("location")
        const foreign = await api(`/api/${user}/tasks`, { headers: { origin: "https://evil.example.com" } })
        expect(foreign.headers.get("access-control-allow-origin")).toBeNull()
      })

      it("health and ready are 200 without a token", async () => {
        expect((await api("/api/health", { as: null })).status).toBe(200)
        const ready = await api("/api/ready", { as: null })
        expect(ready.status).toBe(200)
        expect(ready.json).toEqual({ status: "ready" })
      })

      it("the OpenAPI 3.1 document lists every operation", async () => {
        const reply = await api("/api/openapi.json", { as: null })
        expect(reply.status).toBe(200)
        expect(reply.json.openapi).toBe("3.1.0")
        const operations = Object.entries(reply.json.paths as Record<string, Record<string, unknown>>)
          .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
        for (const base of ["/api/{user_id}/tasks", "/api/tasks"]) {
          expect(operations).toEqual(expect.arrayContaining([
            `GET ${base}`,
            `POST ${base}`,
            `GET ${base}/{id}`,
            `PUT ${base}/{id}`,
            `PATCH ${base}/{id}`,
            `DELETE ${base}/{id}`,
            `PATCH ${base}/{id}/complete`
          ]))
        }
        expect(operations).toEqual(expect.arrayContaining(["GET /api/health", "GET /api/ready", "GET /api/openapi.json", "GET /api/docs"]))
        expect(reply.json.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" })
        // Decoding failures are answered as 422 problems, never as the framework's own 400.
        expect(reply.text).not.toContain("HttpApiDecodeError")
        expect(reply.json.paths["/api/tasks"].get.responses["422"].content["application/problem+json"]).toBeDefined()
      })

      it("the OpenAPI document declares Idempotency-Key on both creates, and 429 on every task route", async () => {
        const { paths } = (await api("/api/openapi.json", { as: null })).json
        for (const base of ["/api/{user_id}/tasks", "/api/tasks"]) {
          expect(paths[base].post.parameters).toEqual(expect.arrayContaining([
            expect.objectContaining({ name: "idempotency-key", in: "header", required: false })
          ]))
          for (const operation of [paths[base].get, paths[base].post, paths[`${base}/{id}`].delete]) {
            expect(operation.responses["429"].content["application/problem+json"]).toBeDefined()
          }
        }
      })

      it("the docs page is 200 text/html with its script inlined", async () => {
        const reply = await api("/api/docs", { as: null })
        expect(reply.status).toBe(200)
        expect(reply.headers.get("content-type")).toMatch(/^text\/html/)
        // Not matchers on the text: a failure would print 3 MB of inlined script.
        expect(reply.text.includes(`<script id="api-reference"`)).toBe(true)
        expect(/<script[^>]+src=/.test(reply.text)).toBe(false)
        // The bearer scheme is chosen for "try it", and no source map is asked for (none is served).
        expect(reply.text.includes(`"preferredSecurityScheme":"bearer"`)).toBe(true)
        expect(reply.text.includes("sourceMappingURL")).toBe(false)
      })
    })
  })
}
