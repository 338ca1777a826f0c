import { describe, expect, it } from "@effect/vitest"
import { NewTask, TaskListParams, TaskPatch, validate } from "@todo/core"
import { DateTime, Effect } from "effect"

const issuesOf = <A, I>(schema: Parameters<typeof validate<A, I>>[0], input: unknown) =>
  Effect.flip(validate(schema)(input)).pipe(Effect.map((error) => error.issues))

describe("the task's rules", () => {
  it.effect("a title is trimmed and counted in code points, 1 to 200", () =>
    Effect.gen(function*() {
      expect((yield* validate(NewTask)({ title: "  hi \n" })).title).toBe("hi")
      expect((yield* validate(NewTask)({ title: "🎉".repeat(200) })).title).toHaveLength(400)
      expect(yield* issuesOf(NewTask, { title: "🎉".repeat(201) })).toEqual([
        { path: "title", message: "must be at most 200 characters" }
      ])
      expect(yield* issuesOf(NewTask, { title: "   " })).toEqual([{ path: "title", message: "must not be empty" }])
      expect(yield* issuesOf(NewTask, {})).toEqual([{ path: "title", message: "is missing" }])
    }))

  it.effect("a description holds at most 1000 code points, and null means none", () =>
    Effect.gen(function*() {
      expect((yield* validate(NewTask)({ title: "t", description: null })).description).toBeNull()
      expect((yield* validate(NewTask)({ title: "t", description: "é".repeat(1000) })).description).toHaveLength(1000)
      expect(yield* issuesOf(NewTask, { title: "t", description: "x".repeat(1001) })).toEqual([
        { path: "description", message: "must be at most 1000 characters" }
      ])
    }))

  it.effect("tags are trimmed, 1 to 50 characters, at most 20, unique regardless of case, in order", () =>
    Effect.gen(function*() {
      expect((yield* validate(NewTask)({ title: "t", tags: [" b ", "a", "C"] })).tags).toEqual(["b", "a", "C"])
      expect(yield* issuesOf(NewTask, { title: "t", tags: ["Home", "work", "HOME"] })).toEqual([
        { path: "tags.2", message: "duplicates another tag (tags are unique regardless of case)" }
      ])
      expect(yield* issuesOf(NewTask, { title: "t", tags: ["ok", " "] })).toEqual([
        { path: "tags.1", message: "must not be empty" }
      ])
      expect(yield* issuesOf(NewTask, { title: "t", tags: ["x".repeat(51)] })).toEqual([
        { path: "tags.0", message: "must be at most 50 characters" }
      ])
      expect(yield* issuesOf(NewTask, { title: "t", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual([
        { path: "tags", message: "must hold at most 20 tags" }
      ])
    }))

  it.effect("a due date needs an offset and is normalised to UTC", () =>
    Effect.gen(function*() {
      const task = yield* validate(NewTask)({ title: "t", due_date: "2026-03-01T09:30:00-05:00" })
      expect(DateTime.formatIso(task.due_date!)).toBe("2026-03-01T14:30:00.000Z")
      for (const due_date of ["2026-03-01", "2026-03-01T09:30:00", "tomorrow", "2026-13-01T00:00:00Z"]) {
        const issues = yield* issuesOf(NewTask, { title: "t", due_date })
        expect(issues.map((issue) => issue.path)).toEqual(["due_date"])
      }
    }))

  it.effect("each invalid field is reported once, by path, without echoing the input", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(NewTask, { title: "", priority: "urgent", completed: "yes", description: 5 })
      expect(issues).toEqual([
        { path: "title", message: "must not be empty" },
        { path: "description", message: "must be a string" },
        { path: "completed", message: "must be true or false" },
        { path: "priority", message: "must be one of \"low\", \"medium\", \"high\"" }
      ])
      expect(yield* issuesOf(NewTask, [1, 2])).toEqual([{ path: "", message: "must be a JSON object" }])
    }))

  it.effect("input nested far deeper than a task is refused, not walked", () =>
    Effect.gen(function*() {
      let deep: unknown = "leaf"
      for (let level = 0; level < 100_000; level++) deep = [deep]
      expect(yield* issuesOf(NewTask, { title: "t", tags: deep })).toEqual([
        { path: "", message: "is nested more than 32 levels deep" }
      ])
    }))

  it.effect("a patch must change something; read-only fields do not count", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(TaskPatch, { id: 4, user_id: "someone", created_at: "2020-01-01T00:00:00Z" })
      expect(issues).toHaveLength(1)
      expect(issues[0]?.message).toMatch(/at least one of/)
      expect(yield* validate(TaskPatch)({ description: null, user_id: "ignored" })).toEqual({ description: null })
    }))

  it.effect("list parameters take the contract's aliases and refuse what they do not know", () =>
    Effect.gen(function*() {
      const params = yield* validate(TaskListParams)({ sort: "updated" })
      expect(params).toMatchObject({ sort: "updated_at", order: "desc", status: "all", limit: 100 })
      const issues = yield* issuesOf(TaskListParams, { limit: "501", order: "sideways" })
      expect(issues.map((issue) => issue.path)).toEqual(["order", "limit"])
    }))
})
