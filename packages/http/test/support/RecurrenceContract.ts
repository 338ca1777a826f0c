/**
 * Recurring tasks over real HTTP (API.md, "Recurring tasks"), part of the HTTP contract suite.
 * Due dates lie years ahead, so that the moment of completion, the real clock, never decides.
 */
import { beforeEach, describe, expect, it } from "vitest"
import type { Call, Reply } from "./TestServer.js"

const WEEKLY = {
  title: "Water the plants",
  tags: ["home"],
  due_date: "2030-03-25T09:00:00+01:00",
  recurrence: "rrule:freq=weekly;byday=mo",
  timezone: "Europe/Berlin",
  remind_at: "2030-03-25T08:45:00+01:00"
}

/** Declared inside a contract suite that serves `api`, acting as `currentUser`, a new one for each test. */
export const recurringTasks = (api: (path: string, call?: Call) => Promise<Reply>, currentUser: () => string): void => {
  describe("recurring tasks", () => {
    let user: string
    beforeEach(() => {
      user = currentUser()
    })
    const create = async (body: object = WEEKLY) => {
      const reply = await api(`/api/${user}/tasks`, { method: "POST", body })
      expect(reply.status).toBe(201)
      return reply.json
    }
    const taskCount = async () => (await api(`/api/${user}/tasks`)).json.length
    const expectFieldError = (reply: Reply, path: string) => {
      expect(reply.status).toBe(422)
      expect(reply.headers.get("content-type")).toMatch(/^application\/problem\+json/)
      expect(reply.json.errors).toEqual([{ path, message: expect.any(String) }])
    }

    it("POST takes recurrence, timezone and remind_at, normalised; a create without them gets null", async () => {
      const task = await create()
      expect(task).toMatchObject({
        due_date: "2030-03-25T08:00:00.000Z",
        recurrence: "FREQ=WEEKLY;BYDAY=MO",
        timezone: "Europe/Berlin",
        remind_at: "2030-03-25T07:45:00.000Z",
        next_occurrence_id: null
      })
      expect(await create({ title: "plain" })).toMatchObject({
        recurrence: null,
        timezone: null,
        remind_at: null,
        next_occurrence_id: null
      })
    })

    it("a rule outside the subset, or one without a due date, is 422 naming recurrence; an unknown zone names timezone", async () => {
      for (const recurrence of ["FREQ=HOURLY", "FREQ=DAILY;BYSETPOS=1", "FREQ=DAILY;COUNT=2;UNTIL=20301231", "FREQ=DAILY;FREQ=DAILY"]) {
        expectFieldError(await api(`/api/${user}/tasks`, { method: "POST", body: { ...WEEKLY, recurrence } }), "recurrence")
      }
      expectFieldError(await api(`/api/${user}/tasks`, { method: "POST", body: { title: "t", recurrence: "FREQ=DAILY" } }), "recurrence")
      expectFieldError(await api(`/api/${user}/tasks`, { method: "POST", body: { ...WEEKLY, timezone: "Mars/Base" } }), "timezone")
      expect(await taskCount()).toBe(0)
    })

    for (const method of ["PUT", "PATCH"]) {
      it(`${method} null clears recurrence, timezone and remind_at; next_occurrence_id in the body is ignored`, async () => {
        const task = await create()
        const reply = await api(`/api/${user}/tasks/${task.id}`, {
          method,
          body: { recurrence: null, timezone: null, remind_at: null, next_occurrence_id: 12 }
        })
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({ recurrence: null, timezone: null, remind_at: null, next_occurrence_id: null })
      })

      it(`${method} clearing the due date of a recurring task is 422 naming recurrence`, async () => {
        const task = await create()
        expectFieldError(await api(`/api/${user}/tasks/${task.id}`, { method, body: { due_date: null } }), "recurrence")
        expect((await api(`/api/${user}/tasks/${task.id}`)).json).toEqual(task)
      })
    }

    const completingRoutes: ReadonlyArray<readonly [string, (id: number) => Promise<Reply>]> = [
      ["PATCH …/complete without a body", (id) => api(`/api/${user}/tasks/${id}/complete`, { method: "PATCH" })],
      [
        "PATCH …/complete with {completed: true}",
        (id) => api(`/api/${user}/tasks/${id}/complete`, { method: "PATCH", body: { completed: true } })
      ],
      ["PUT with completed: true", (id) => api(`/api/${user}/tasks/${id}`, { method: "PUT", body: { completed: true } })],
      ["PATCH with completed: true", (id) => api(`/api/${user}/tasks/${id}`, { method: "PATCH", body: { completed: true } })],
      ["PATCH /api/tasks/{id}/complete", (id) => api(`/api/tasks/${id}/complete`, { method: "PATCH" })]
    ]

    for (const [route, complete] of completingRoutes) {
      it(`${route} answers the completed task with next_occurrence_id, naming the next occurrence`, async () => {
        const task = await create()
        const reply = await complete(task.id)
        expect(reply.status).toBe(200)
        expect(reply.json).toMatchObject({ id: task.id, completed: true, next_occurrence_id: expect.any(Number) })
        expect(reply.headers.get("etag")).toBe(`"${Date.parse(reply.json.updated_at)}"`)
        const copy = (await api(`/api/${user}/tasks/${reply.json.next_occurrence_id}`)).json
        expect(copy).toMatchObject({
          title: "Water the plants",
          tags: ["home"],
          completed: false,
          // 09:00 in Berlin a week later, in summer time.
          due_date: "2030-04-01T07:00:00.000Z",
          remind_at: "2030-04-01T06:45:00.000Z",
          recurrence: "FREQ=WEEKLY;BYDAY=MO",
          timezone: "Europe/Berlin",
          next_occurrence_id: null
        })
        expect(await taskCount()).toBe(2)
      })
    }

    it("complete, reopen and complete again: one copy", async () => {
      const task = await create()
      const first = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH" })
      const reopened = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH" })
      expect(reopened.json).toMatchObject({ completed: false, next_occurrence_id: first.json.next_occurrence_id })
      const again = await api(`/api/${user}/tasks/${task.id}`, { method: "PUT", body: { completed: true } })
      expect(again.json.next_occurrence_id).toBe(first.json.next_occurrence_id)
      expect(await taskCount()).toBe(2)
    })

    it("twenty completions at once: one copy, and every answer names it", async () => {
      const task = await create()
      const replies = await Promise.all(
        Array.from({ length: 20 }, () => api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH", body: { completed: true } }))
      )
      expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200))
      expect(new Set(replies.map((reply) => reply.json.next_occurrence_id)).size).toBe(1)
      expect(await taskCount()).toBe(2)
    })

    it("COUNT counts down on each copy, and the last occurrence makes none", async () => {
      let task = await create({ ...WEEKLY, recurrence: "FREQ=DAILY;COUNT=2" })
      const completed = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH" })
      task = (await api(`/api/${user}/tasks/${completed.json.next_occurrence_id}`)).json
      expect(task.recurrence).toBe("FREQ=DAILY;COUNT=1")
      const last = await api(`/api/${user}/tasks/${task.id}/complete`, { method: "PATCH" })
      expect(last.json).toMatchObject({ completed: true, next_occurrence_id: null })
      expect(await taskCount()).toBe(2)
    })

    it("the OpenAPI document shows the four fields on a task, and the three writable ones on create and update", async () => {
      const { components: { schemas } } = (await api("/api/openapi.json", { as: null })).json
      const writable = ["recurrence", "timezone", "remind_at"]
      expect(schemas.Task.required).toEqual(expect.arrayContaining([...writable, "next_occurrence_id"]))
      for (const schema of [schemas.NewTask, schemas.TaskUpdate]) {
        expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(writable))
        expect(Object.keys(schema.properties)).not.toContain("next_occurrence_id")
      }
      expect(schemas.Task.properties.next_occurrence_id.description).toMatch(/read-only/i)
    })

    it("a task created completed makes no copy", async () => {
      await create({ ...WEEKLY, completed: true })
      expect(await taskCount()).toBe(1)
    })
  })
}
