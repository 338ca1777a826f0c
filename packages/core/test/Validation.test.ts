import { describe, expect, it } from "@effect/vitest"
import { DateTimeWithOffset, decodeCursor, ImportedTask, NewTask, TaskListParams, TaskPatch, validate } from "@todo/core"
import { DateTime, Effect, Either, Encoding, Schema } from "effect"

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

  it.effect("every text field refuses U+0000 and unpaired surrogates, naming the field", () =>
    Effect.gen(function*() {
      const nul = "must not contain the NUL character (U+0000)"
      const surrogate = "must not contain an unpaired surrogate (U+D800 to U+DFFF are not characters on their own)"
      expect(yield* issuesOf(NewTask, { title: "nul\u0000byte", description: "\u0000", tags: ["ok", "a\u0000"] })).toEqual([
        { path: "title", message: nul },
        { path: "description", message: nul },
        { path: "tags.1", message: nul }
      ])
      expect(yield* issuesOf(TaskPatch, { title: "\ud800", description: "a\udfffb", tags: ["\udc00\ud800"] })).toEqual([
        { path: "title", message: surrogate },
        { path: "description", message: surrogate },
        { path: "tags.0", message: surrogate }
      ])
      expect(yield* issuesOf(TaskListParams, { q: "a\u0000", tag: "\ud83d" })).toEqual([
        { path: "q", message: nul },
        { path: "tag", message: surrogate }
      ])
    }))

  it.effect("a text field that is not trimmed must not begin with a byte order mark; a trimmed one loses it", () =>
    Effect.gen(function*() {
      expect(yield* issuesOf(NewTask, { title: "t", description: "\ufeffnotes" })).toEqual([
        { path: "description", message: "must not begin with a byte order mark (U+FEFF)" }
      ])
      const task = yield* validate(NewTask)({ title: "\ufefftitle", description: "notes\ufeff", tags: ["\ufefftag"] })
      expect(task).toMatchObject({ title: "title", description: "notes\ufeff", tags: ["tag"] })
    }))

  it.effect("other control characters and paired surrogates are text like any other", () =>
    Effect.gen(function*() {
      const controls = Array.from({ length: 31 }, (_, n) => String.fromCharCode(n + 1)).join("") + "\u007f\u0085\u009f"
      const task = yield* validate(NewTask)({ title: `x${controls}🎉`, description: controls, tags: ["\u{1F600}\u0001"] })
      expect(task).toMatchObject({ title: `x${controls}🎉`, description: controls, tags: ["\u{1F600}\u0001"] })
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

  const instantOf = (text: string) => Schema.decodeEither(DateTimeWithOffset)(text).pipe(Either.map(DateTime.formatIso))
  const refusalOf = (text: string) => Effect.runSync(Effect.flip(validate(NewTask)({ title: "t", due_date: text }))).issues

  it("a date-time must name a day that exists: leap years count, the 30th of February does not", () => {
    for (
      const [text, utc] of [
        ["2028-02-29T12:00:00Z", "2028-02-29T12:00:00.000Z"],
        ["2000-02-29T00:00:00+00:00", "2000-02-29T00:00:00.000Z"],
        ["2030-04-30T23:59:59.999-01:00", "2030-05-01T00:59:59.999Z"],
        ["2030-12-31T23:59:59Z", "2030-12-31T23:59:59.000Z"],
        ["2030-01-31t08:00:00.1239z", "2030-01-31T08:00:00.123Z"],
        ["2030-03-01 00:30:00+01:00", "2030-02-28T23:30:00.000Z"],
        ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
        ["0099-03-01T00:00:00Z", "0099-03-01T00:00:00.000Z"],
        ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"]
      ]
    ) {
      expect(instantOf(text!), text).toEqual(Either.right(utc))
    }
    const february = "must be a date that exists: February has 28 days, 29 in leap years"
    for (
      const [text, message] of [
        ["2030-02-29T00:00:00Z", february],
        ["2030-02-30T00:00:00Z", february],
        ["2100-02-29T00:00:00Z", february],
        ["2030-04-31T00:00:00Z", "must be a date that exists: April, June, September and November have 30 days"],
        ["2030-01-32T00:00:00Z", "must be a date that exists: days run from 01 to 31"],
        ["2030-01-00T00:00:00Z", "must be a date that exists: days run from 01 to 31"],
        ["2030-13-01T00:00:00Z", "must be a date that exists: months run from 01 to 12"],
        ["2030-00-01T00:00:00Z", "must be a date that exists: months run from 01 to 12"],
        ["2030-01-01T24:00:00Z", "must be a time that exists: hours run from 00 to 23"],
        ["2030-01-01T23:60:00Z", "must be a time that exists: minutes run from 00 to 59"],
        ["2030-06-30T23:59:60Z", "must be a time that exists: seconds run from 00 to 59 (leap seconds are not accepted)"],
        ["2030-01-01T00:00:00+24:00", "must have an offset from -23:59 to +23:59"],
        ["2030-01-01T00:00:00-01:60", "must have an offset from -23:59 to +23:59"],
        ["0000-12-31T23:59:59Z", "must fall within the years 0001 to 9999 in UTC"],
        ["0001-01-01T00:00:00+00:01", "must fall within the years 0001 to 9999 in UTC"],
        ["9999-12-31T23:59:59-00:01", "must fall within the years 0001 to 9999 in UTC"],
        ["2030-01-01T00:00:00", "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T17:00:00Z"]
      ]
    ) {
      expect(refusalOf(text!), text).toEqual([{ path: "due_date", message }])
    }
  })

  it.effect("every date-time input gets the same rule: list filters and imported timestamps", () =>
    Effect.gen(function*() {
      const issues = yield* issuesOf(TaskListParams, { due_before: "2030-02-30T00:00:00Z", due_after: "2030-02-28T00:00:60Z" })
      expect(issues.map((issue) => issue.path)).toEqual(["due_before", "due_after"])
      const imported = yield* issuesOf(ImportedTask, { title: "t", created_at: "2031-02-29T00:00:00Z", updated_at: "2031-03-01T24:00:00Z" })
      expect(imported.map((issue) => issue.path)).toEqual(["created_at", "updated_at"])
    }))

  it("a crafted cursor cannot carry what a task could not hold", () => {
    const cursor = (payload: unknown) => Encoding.encodeBase64Url(JSON.stringify(payload))
    const refused = {
      _tag: "Left",
      left: expect.objectContaining({ issues: [{ path: "cursor", message: "is not a cursor this API issued" }] })
    }
    expect(decodeCursor(cursor(["title", "asc", "a\u0000", 1]), "title", "asc")).toMatchObject(refused)
    expect(decodeCursor(cursor(["title", "asc", "\ud800", 1]), "title", "asc")).toMatchObject(refused)
    expect(decodeCursor(cursor(["due_date", "asc", 1e300, 1]), "due_date", "asc")).toMatchObject(refused)
    expect(decodeCursor(cursor(["created_at", "desc", -8.64e15, 1]), "created_at", "desc")).toMatchObject(refused)
    expect(decodeCursor(cursor(["title", "asc", "fine", 1]), "title", "asc")).toEqual(Either.right({ value: "fine", id: 1 }))
  })

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
