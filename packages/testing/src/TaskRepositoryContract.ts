/**
 * The repository contract: one suite, run unchanged against every adapter of `TaskRepository`.
 * It drives the port through the core use-cases, as every host does.
 */
import { expect, layer } from "@effect/vitest"
import {
  ChangeSignal,
  ImportedTask,
  NewTask,
  TaskListParams,
  Task,
  TaskPatch,
  TaskRepository,
  Tasks,
  versionOf,
  type SortKey,
  type TaskId,
  type UserId
} from "@todo/core"
import { changeFeedContract } from "./ChangeFeedContract.js"
import { reminderContract } from "./ReminderContract.js"
import { Chunk, DateTime, Effect, Layer, Schema, Stream, TestClock } from "effect"

const newTask = Schema.decodeUnknownSync(NewTask)
const patch = Schema.decodeUnknownSync(TaskPatch)
const imported = Schema.decodeUnknownSync(ImportedTask)
const params = Schema.decodeUnknownSync(TaskListParams)

let userSequence = 0
/** Every test acts as users of its own, so suites can share one database. */
const freshUser = (): UserId => `contract-${Date.now().toString(36)}-${++userSequence}-${Math.random().toString(36).slice(2, 8)}` as UserId

const titles = (tasks: ReadonlyArray<Task>) => tasks.map((task) => task.title)

const listAll = (user: UserId, query: Record<string, string>) =>
  Effect.flatMap(Tasks, (tasks) => tasks.list(user, params({ limit: "500", ...query }))).pipe(
    Effect.map((page) => page.tasks)
  )

/** Pages through with `limit`, returning every task served, in order. */
const pageThrough = (user: UserId, query: Record<string, string>, limit: number, between?: Effect.Effect<void, unknown, Tasks>) =>
  Effect.gen(function*() {
    const tasks = yield* Tasks
    const seen: Array<Task> = []
    let cursor: string | null = null
    do {
      const page: { tasks: ReadonlyArray<Task>; next_cursor: string | null } = yield* tasks.list(
        user,
        params({ ...query, limit: String(limit), ...(cursor === null ? {} : { cursor }) })
      )
      seen.push(...page.tasks)
      cursor = page.next_cursor
      if (between !== undefined) yield* between
    } while (cursor !== null)
    return seen
  })

/**
 * Six tasks whose fields make every sort key order them differently, with ties broken by id.
 * Inserted in this order, so ids ascend from A to F.
 */
const sortFixture = [
  {
    title: "banana",
    priority: "high",
    due_date: "2026-03-01T00:00:00Z",
    created_at: "2026-01-01T00:00:01Z",
    updated_at: "2026-01-01T00:00:05Z"
  },
  { title: "Apple", priority: "low", due_date: null, created_at: "2026-01-01T00:00:02Z", updated_at: "2026-01-01T00:00:04Z" },
  {
    title: "cherry",
    priority: "medium",
    due_date: "2026-02-01T00:00:00Z",
    created_at: "2026-01-01T00:00:03Z",
    updated_at: "2026-01-01T00:00:06Z"
  },
  { title: "apple", priority: "high", due_date: null, created_at: "2026-01-01T00:00:04Z", updated_at: "2026-01-01T00:00:01Z" },
  {
    title: "Émile",
    priority: "medium",
    due_date: "2026-02-01T00:00:00Z",
    created_at: "2026-01-01T00:00:05Z",
    updated_at: "2026-01-01T00:00:03Z"
  },
  {
    title: "zebra",
    priority: "low",
    due_date: "2026-01-15T00:00:00Z",
    created_at: "2026-01-01T00:00:05Z",
    updated_at: "2026-01-01T00:00:02Z"
  }
]

const ascendingTitles: Record<SortKey, ReadonlyArray<string>> = {
  created_at: ["banana", "Apple", "cherry", "apple", "Émile", "zebra"],
  updated_at: ["apple", "zebra", "Émile", "Apple", "banana", "cherry"],
  // Code-point order: upper case before lower case, and "É" after every ASCII letter.
  title: ["Apple", "apple", "banana", "cherry", "zebra", "Émile"],
  // Tasks without a due date come after every dated task.
  due_date: ["zebra", "cherry", "Émile", "banana", "Apple", "apple"],
  priority: ["Apple", "zebra", "cherry", "Émile", "banana", "apple"]
}

const sortKeys = Object.keys(ascendingTitles) as ReadonlyArray<SortKey>

const seedSortFixture = (user: UserId) => Effect.flatMap(Tasks, (tasks) => tasks.importAll(user, sortFixture.map((task) => imported(task))))

export const taskRepositoryContract = (name: string, repository: Layer.Layer<TaskRepository, unknown>): void => {
  changeFeedContract(name, repository)
  reminderContract(name, repository)
  layer(Tasks.layer.pipe(Layer.provideMerge(repository), Layer.provide(ChangeSignal.layer)), { timeout: "60 seconds" })(
    `TaskRepository contract: ${name}`,
    (it) => {
      it.effect("a new task gets an id and the contract's defaults", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "  Buy milk  " }))
          expect(task.id).toBeGreaterThan(0)
          expect(task).toMatchObject({
            user_id: user,
            title: "Buy milk",
            description: null,
            completed: false,
            priority: "medium",
            tags: [],
            due_date: null,
            recurrence: null,
            timezone: null,
            remind_at: null,
            next_occurrence_id: null
          })
          expect(DateTime.Equivalence(task.created_at, task.updated_at)).toBe(true)
        }))

      it.effect("every field given on create is stored and read back", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const created = yield* tasks.create(
            user,
            newTask({
              title: "Report",
              description: "Quarterly numbers",
              completed: true,
              priority: "high",
              tags: ["work", "Q3", "urgent"],
              due_date: "2026-05-01T18:30:00+02:00",
              recurrence: "rrule:freq=monthly;bymonthday=-1",
              timezone: "Europe/Berlin",
              remind_at: "2026-05-01T18:00:00+02:00"
            })
          )
          const read = yield* tasks.get(user, created.id)
          expect(read).toEqual(created)
          expect(read.tags).toEqual(["work", "Q3", "urgent"])
          expect(DateTime.formatIso(read.due_date!)).toBe("2026-05-01T16:30:00.000Z")
          expect(read.completed).toBe(true)
          expect(read).toMatchObject({ recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1", timezone: "Europe/Berlin", next_occurrence_id: null })
          expect(DateTime.formatIso(read.remind_at!)).toBe("2026-05-01T16:00:00.000Z")
        }))

      it.effect("a missing task is TaskNotFound", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const error = yield* Effect.flip(tasks.get(freshUser(), 2_000_000_000 as TaskId))
          expect(error._tag).toBe("TaskNotFound")
        }))

      it.effect("parallel creates get distinct ids", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const created = yield* Effect.all(
            Array.from({ length: 25 }, (_, i) => tasks.create(user, newTask({ title: `parallel ${i}` }))),
            { concurrency: "unbounded" }
          )
          expect(new Set(created.map((task) => task.id)).size).toBe(25)
          expect(yield* listAll(user, {})).toHaveLength(25)
        }))

      it.effect("another user can neither read, list, change nor delete a task", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const owner = freshUser()
          const intruder = freshUser()
          const task = yield* tasks.create(owner, newTask({ title: "private" }))
          const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            tasks.get(intruder, task.id),
            tasks.update(intruder, task.id, patch({ title: "mine now" })),
            tasks.setCompleted(intruder, task.id, true),
            tasks.toggleCompleted(intruder, task.id),
            tasks.remove(intruder, task.id)
          ]
          for (const attempt of attempts) {
            expect((yield* Effect.flip(attempt))._tag).toBe("TaskNotFound")
          }
          expect(yield* listAll(intruder, {})).toEqual([])
          expect(yield* tasks.get(owner, task.id)).toEqual(task)
          expect(yield* tasks.purge(intruder)).toBe(0)
          expect(yield* tasks.get(owner, task.id)).toEqual(task)
        }))

      it.effect("an update changes only the fields it names, and null clears", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(
            user,
            newTask({
              title: "Draft",
              description: "notes",
              tags: ["a"],
              due_date: "2026-01-01T00:00:00Z"
            })
          )
          const renamed = yield* tasks.update(user, task.id, patch({ title: "Final", priority: "low" }))
          expect(renamed).toMatchObject({ title: "Final", priority: "low", description: "notes", tags: ["a"] })
          expect(renamed.due_date).not.toBeNull()
          const cleared = yield* tasks.update(user, task.id, patch({ description: null, due_date: null, tags: [] }))
          expect(cleared).toMatchObject({ title: "Final", description: null, due_date: null, tags: [] })
          expect(yield* tasks.get(user, task.id)).toEqual(cleared)
        }))

      it.effect("an update sets and clears recurrence, timezone and remind_at", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "Rent", due_date: "2026-01-31T09:00:00Z" }))
          const recurring = yield* tasks.update(
            user,
            task.id,
            patch({
              recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1",
              timezone: "America/New_York",
              remind_at: "2026-01-30T09:00:00Z"
            })
          )
          expect(recurring).toMatchObject({ recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1", timezone: "America/New_York" })
          expect(DateTime.formatIso(recurring.remind_at!)).toBe("2026-01-30T09:00:00.000Z")
          const cleared = yield* tasks.update(user, task.id, patch({ recurrence: null, timezone: null, remind_at: null }))
          expect(cleared).toMatchObject({ recurrence: null, timezone: null, remind_at: null })
          expect(cleared.due_date).not.toBeNull()
          expect(yield* tasks.get(user, task.id)).toEqual(cleared)
        }))

      it.effect("a recurring task keeps its due date: an update that would leave it without one is refused on recurrence, and changes nothing", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const recurring = yield* tasks.create(
            user,
            newTask({ title: "Daily", due_date: "2026-01-01T09:00:00Z", recurrence: "FREQ=DAILY" })
          )
          const dateless = yield* tasks.create(user, newTask({ title: "Someday" }))
          for (const [task, change] of [[recurring, { due_date: null }], [dateless, { recurrence: "FREQ=WEEKLY" }]] as const) {
            const error = yield* Effect.flip(tasks.update(user, task.id, patch(change)))
            expect(error._tag).toBe("ValidationFailed")
            if (error._tag === "ValidationFailed") expect(error.issues.map((issue) => issue.path)).toEqual(["recurrence"])
            expect(yield* tasks.get(user, task.id)).toEqual(task)
          }
          const stale = yield* Effect.flip(
            tasks.update(user, dateless.id, patch({ recurrence: "FREQ=WEEKLY" }), { expectedVersion: "1" })
          )
          expect(stale._tag).toBe("VersionMismatch")
          const missing = yield* Effect.flip(tasks.update(user, 2_000_000_002 as TaskId, patch({ due_date: null })))
          expect(missing._tag).toBe("TaskNotFound")
          // Both at once, or the due date given with it, is fine.
          expect((yield* tasks.update(user, recurring.id, patch({ recurrence: null, due_date: null }))).recurrence).toBeNull()
          expect(
            (yield* tasks.update(user, dateless.id, patch({ recurrence: "FREQ=WEEKLY", due_date: "2026-01-01T09:00:00Z" }))).recurrence
          )
            .toBe("FREQ=WEEKLY")
          expect(
            (yield* tasks.update(user, dateless.id, patch({ recurrence: "FREQ=DAILY" }), {
              expectedVersion: versionOf(yield* tasks.get(user, dateless.id))
            })).recurrence
          )
            .toBe("FREQ=DAILY")
        }))

      it.effect("updated_at moves on every change, even within one instant", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "tick" }))
          const first = yield* tasks.update(user, task.id, patch({ title: "tock" }))
          const second = yield* tasks.toggleCompleted(user, task.id)
          const third = yield* tasks.setCompleted(user, task.id, true)
          expect(DateTime.toEpochMillis(first.updated_at)).toBeGreaterThan(DateTime.toEpochMillis(task.updated_at))
          expect(DateTime.toEpochMillis(second.updated_at)).toBeGreaterThan(DateTime.toEpochMillis(first.updated_at))
          expect(DateTime.toEpochMillis(third.updated_at)).toBeGreaterThan(DateTime.toEpochMillis(second.updated_at))
          expect(third.created_at).toEqual(task.created_at)
          yield* TestClock.adjust("1 hour")
          const later = yield* tasks.update(user, task.id, patch({ priority: "high" }))
          expect(DateTime.toEpochMillis(later.updated_at)).toBe(DateTime.toEpochMillis(task.updated_at) + 3_600_000)
        }))

      it.effect("an update with the current version applies; with a stale one it is VersionMismatch", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "v1" }))
          const v2 = yield* tasks.update(user, task.id, patch({ title: "v2" }), { expectedVersion: versionOf(task) })
          expect(v2.title).toBe("v2")
          const stale = yield* Effect.flip(tasks.update(user, task.id, patch({ title: "v3" }), { expectedVersion: versionOf(task) }))
          expect(stale._tag).toBe("VersionMismatch")
          const garbage = yield* Effect.flip(tasks.update(user, task.id, patch({ title: "v3" }), { expectedVersion: "not-a-version" }))
          expect(garbage._tag).toBe("VersionMismatch")
          expect((yield* tasks.get(user, task.id)).title).toBe("v2")
          const missing = yield* Effect.flip(
            tasks.update(user, 2_000_000_001 as TaskId, patch({ title: "x" }), { expectedVersion: versionOf(task) })
          )
          expect(missing._tag).toBe("TaskNotFound")
        }))

      it.effect("setting completed is idempotent and toggling flips it", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "flip" }))
          expect((yield* tasks.setCompleted(user, task.id, true)).completed).toBe(true)
          expect((yield* tasks.setCompleted(user, task.id, true)).completed).toBe(true)
          expect((yield* tasks.toggleCompleted(user, task.id)).completed).toBe(false)
          expect((yield* tasks.toggleCompleted(user, task.id)).completed).toBe(true)
        }))

      it.effect("parallel toggles all count", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "contended" }))
          yield* Effect.all(Array.from({ length: 15 }, () => tasks.toggleCompleted(user, task.id)), { concurrency: "unbounded" })
          expect((yield* tasks.get(user, task.id)).completed).toBe(true)
        }))

      it.effect("a deleted task is gone, and a second delete is TaskNotFound", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "temporary" }))
          yield* tasks.remove(user, task.id)
          expect((yield* Effect.flip(tasks.get(user, task.id)))._tag).toBe("TaskNotFound")
          expect((yield* Effect.flip(tasks.remove(user, task.id)))._tag).toBe("TaskNotFound")
        }))

      it.effect("a repeated idempotency key returns the first task, per user", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const other = freshUser()
          const first = yield* tasks.create(user, newTask({ title: "once" }), { idempotencyKey: "key-1" })
          const retry = yield* tasks.create(user, newTask({ title: "once again" }), { idempotencyKey: "key-1" })
          const theirs = yield* tasks.create(other, newTask({ title: "theirs" }), { idempotencyKey: "key-1" })
          expect(retry).toEqual(first)
          expect(theirs.id).not.toBe(first.id)
          expect(yield* listAll(user, {})).toHaveLength(1)
        }))

      it.effect("parallel creates under one idempotency key make one task", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const results = yield* Effect.all(
            Array.from({ length: 8 }, () => tasks.create(user, newTask({ title: "race" }), { idempotencyKey: "same" })),
            { concurrency: "unbounded" }
          )
          expect(new Set(results.map((task) => task.id)).size).toBe(1)
          expect(yield* listAll(user, {})).toHaveLength(1)
        }))

      it.effect("status, priority, tag, text and due-date filters select exactly the matching tasks", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          yield* tasks.importAll(user, [
            imported({
              title: "Pay rent",
              description: "before the 5th",
              completed: true,
              priority: "high",
              tags: ["Home", "money"],
              due_date: "2026-02-05T00:00:00Z"
            }),
            imported({ title: "Call mum", priority: "low", tags: ["family"], due_date: "2026-02-10T12:00:00Z" }),
            imported({ title: "Fix bike", description: "RENT a pump", tags: ["home"] }),
            imported({ title: "100% done_ish", description: null })
          ])
          expect(titles(yield* listAll(user, { status: "completed" }))).toEqual(["Pay rent"])
          expect(titles(yield* listAll(user, { status: "pending", sort: "title", order: "asc" }))).toEqual([
            "100% done_ish",
            "Call mum",
            "Fix bike"
          ])
          expect(titles(yield* listAll(user, { priority: "low" }))).toEqual(["Call mum"])
          expect(titles(yield* listAll(user, { tag: "HOME", sort: "title", order: "asc" }))).toEqual(["Fix bike", "Pay rent"])
          expect(titles(yield* listAll(user, { q: "rent", sort: "title", order: "asc" }))).toEqual(["Fix bike", "Pay rent"])
          expect(titles(yield* listAll(user, { q: "%" }))).toEqual(["100% done_ish"])
          expect(titles(yield* listAll(user, { q: "_" }))).toEqual(["100% done_ish"])
          expect(titles(yield* listAll(user, { q: "0% d" }))).toEqual(["100% done_ish"])
          expect(titles(yield* listAll(user, { q: "\\" }))).toEqual([])
          expect(titles(yield* listAll(user, { due_before: "2026-02-05T00:00:00Z" }))).toEqual(["Pay rent"])
          expect(titles(yield* listAll(user, { due_after: "2026-02-05T00:00:01Z" }))).toEqual(["Call mum"])
          expect(
            titles(
              yield* listAll(user, {
                due_after: "2026-02-01T00:00:00+01:00",
                due_before: "2026-02-28T00:00:00Z",
                sort: "due_date",
                order: "asc"
              })
            )
          )
            .toEqual(["Pay rent", "Call mum"])
          expect(titles(yield* listAll(user, { status: "completed", tag: "family" }))).toEqual([])
        }))

      for (const sort of sortKeys) {
        it.effect(`sort=${sort} gives a total order, ties broken by id, both ways`, () =>
          Effect.gen(function*() {
            const user = freshUser()
            yield* seedSortFixture(user)
            expect(titles(yield* listAll(user, { sort, order: "asc" }))).toEqual(ascendingTitles[sort])
            expect(titles(yield* listAll(user, { sort, order: "desc" }))).toEqual([...ascendingTitles[sort]].reverse())
          }))

        it.effect(`paging by sort=${sort} serves every task exactly once`, () =>
          Effect.gen(function*() {
            const user = freshUser()
            yield* seedSortFixture(user)
            for (const order of ["asc", "desc"] as const) {
              for (const limit of [1, 2, 4]) {
                const served = yield* pageThrough(user, { sort, order }, limit)
                const expected = order === "asc" ? ascendingTitles[sort] : [...ascendingTitles[sort]].reverse()
                expect(titles(served)).toEqual(expected)
              }
            }
          }))
      }

      it.effect("paging while tasks are added neither skips nor repeats a task", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const before = yield* Effect.all(Array.from({ length: 9 }, (_, i) => tasks.create(user, newTask({ title: `task ${i}` }))))
          for (const order of ["asc", "desc"] as const) {
            let added = 0
            const served = yield* pageThrough(
              user,
              { sort: "created_at", order },
              2,
              tasks.create(user, newTask({ title: `added ${order} ${++added}` })).pipe(Effect.asVoid)
            )
            const ids = served.map((task) => task.id)
            expect(new Set(ids).size).toBe(ids.length)
            for (const task of before) expect(ids).toContain(task.id)
          }
        }))

      it.effect("a cursor of another sort, or not ours, is a validation error", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          yield* seedSortFixture(user)
          const page = yield* tasks.list(user, params({ sort: "title", limit: "2" }))
          expect(page.next_cursor).not.toBeNull()
          const foreign = yield* Effect.flip(tasks.list(user, params({ sort: "priority", cursor: page.next_cursor! })))
          expect(foreign._tag).toBe("ValidationFailed")
          for (const cursor of ["garbage", "", "eyJ4IjoxfQ", Buffer.from("[\"title\",\"desc\",5,1]").toString("base64url")]) {
            const error = yield* Effect.flip(tasks.list(user, params({ sort: "title", cursor })))
            expect(error._tag).toBe("ValidationFailed")
            if (error._tag === "ValidationFailed") expect(error.issues[0]?.path).toBe("cursor")
          }
        }))

      it.effect("the last page has no next cursor", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          yield* seedSortFixture(user)
          expect((yield* tasks.list(user, params({ limit: "6" }))).next_cursor).toBeNull()
          expect((yield* tasks.list(user, params({ limit: "5" }))).next_cursor).not.toBeNull()
        }))

      it.effect("Unicode titles, descriptions and tags round-trip and are searchable", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const title = "Café ☕ 日本語 🧑‍💻 e\u0301"
          const task = yield* tasks.create(user, newTask({ title, description: "naïve façade — ✓", tags: ["日本", "emoji 🎉"] }))
          const read = yield* tasks.get(user, task.id)
          expect(read.title).toBe(title)
          expect(read.description).toBe("naïve façade — ✓")
          expect(read.tags).toEqual(["日本", "emoji 🎉"])
          expect(titles(yield* listAll(user, { q: "日本語" }))).toEqual([title])
          expect(titles(yield* listAll(user, { q: "façade" }))).toEqual([title])
          expect(titles(yield* listAll(user, { tag: "EMOJI 🎉" }))).toEqual([title])
        }))

      it.effect("every character a text field takes round-trips: control characters, astral ones, noncharacters", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const c0 = `a${Array.from({ length: 31 }, (_, n) => String.fromCharCode(n + 1)).join("")}z`
          const c1 = `a${Array.from({ length: 33 }, (_, n) => String.fromCharCode(0x7f + n)).join("")}z`
          const text = `${c0}${c1}\u{10FFFF}\uFFFE\uFFFF\u{1F600}\uFEFF.`
          const task = yield* tasks.create(user, newTask({ title: text, description: text, tags: [c0, c1] }))
          expect(yield* tasks.get(user, task.id)).toMatchObject({ title: text, description: text, tags: [c0, c1] })
        }))

      it.effect("date-times at the edges of the years they may name round-trip, and filter", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const edges = ["0001-01-01T00:00:00.000Z", "0004-02-29T12:00:00.000Z", "0099-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"]
          yield* tasks.importAll(user, edges.map((at) => imported({ title: at, due_date: at, created_at: at, updated_at: at })))
          const read = yield* listAll(user, { sort: "due_date", order: "asc" })
          expect(read.map((task) => [task.due_date, task.created_at, task.updated_at].map((at) => DateTime.formatIso(at!))))
            .toEqual(edges.map((at) => [at, at, at]))
          expect(titles(yield* listAll(user, { due_before: "0099-12-31T23:59:59.999Z", due_after: "0004-02-29T12:00:00Z" })))
            .toEqual(["0099-12-31T23:59:59.999Z", "0004-02-29T12:00:00.000Z"])
        }))

      it.effect("an import keeps the given timestamps", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const count = yield* tasks.importAll(user, [
            imported({ title: "old", created_at: "2020-01-01T00:00:00Z", updated_at: "2021-01-01T00:00:00Z" }),
            imported({ title: "new" })
          ])
          expect(count).toBe(2)
          const old = (yield* listAll(user, {})).find((task) => task.title === "old")
          expect(DateTime.formatIso(old!.created_at)).toBe("2020-01-01T00:00:00.000Z")
          expect(DateTime.formatIso(old!.updated_at)).toBe("2021-01-01T00:00:00.000Z")
        }))

      it.effect("an export streams every task of the user, oldest first", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          yield* seedSortFixture(user)
          yield* tasks.create(freshUser(), newTask({ title: "someone else's" }))
          const exported = yield* Stream.runCollect(tasks.exportAll(user))
          expect(titles(Chunk.toReadonlyArray(exported))).toEqual(ascendingTitles.created_at)
        }))

      it.effect("a purge removes every task of one user and counts them", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const bystander = freshUser()
          yield* seedSortFixture(user)
          const kept = yield* tasks.create(bystander, newTask({ title: "kept" }))
          expect(yield* tasks.purge(user)).toBe(6)
          expect(yield* listAll(user, {})).toEqual([])
          expect(yield* tasks.get(bystander, kept.id)).toEqual(kept)
        }))

      it.effect("users and stats count tasks per owner", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const busy = freshUser()
          const quiet = freshUser()
          yield* seedSortFixture(busy)
          const done = yield* tasks.create(quiet, newTask({ title: "one" }))
          yield* tasks.setCompleted(quiet, done.id, true)
          const users = yield* tasks.users
          expect(users.find((user) => user.user_id === busy)).toEqual({ user_id: busy, total: 6, completed: 0 })
          expect(users.find((user) => user.user_id === quiet)).toEqual({ user_id: quiet, total: 1, completed: 1 })
          const totals = users.map((user) => user.total)
          expect(totals).toEqual([...totals].sort((a, b) => b - a))
          const stats = yield* tasks.stats
          expect(stats.users).toBe(users.length)
          expect(stats.tasks).toBe(stats.completed + stats.pending)
          expect(stats.tasks).toBe(totals.reduce((a, b) => a + b, 0))
        }))

      const weekly = (user: UserId, fields: Record<string, unknown> = {}) =>
        Effect.flatMap(Tasks, (tasks) =>
          tasks.create(
            user,
            newTask({
              title: "Water the plants",
              description: "the big ones too",
              priority: "high",
              tags: ["home", "Garden"],
              due_date: "2026-03-23T09:00:00+01:00",
              recurrence: "FREQ=WEEKLY;BYDAY=MO",
              timezone: "Europe/Berlin",
              remind_at: "2026-03-23T08:45:00+01:00",
              ...fields
            })
          ))

      const completions: ReadonlyArray<readonly [string, (user: UserId, id: TaskId) => Effect.Effect<Task, unknown, Tasks>]> = [
        ["a toggle", (user, id) => Effect.flatMap(Tasks, (tasks) => tasks.toggleCompleted(user, id))],
        ["setting completed", (user, id) => Effect.flatMap(Tasks, (tasks) => tasks.setCompleted(user, id, true))],
        [
          "an update with completed: true",
          (user, id) => Effect.flatMap(Tasks, (tasks) => tasks.update(user, id, patch({ completed: true })))
        ]
      ]

      for (const [route, complete] of completions) {
        it.effect(`completing a recurring task by ${route} stores its next occurrence and links it`, () =>
          Effect.gen(function*() {
            const tasks = yield* Tasks
            const user = freshUser()
            const task = yield* weekly(user)
            const completed = yield* complete(user, task.id)
            expect(completed.completed).toBe(true)
            expect(completed.next_occurrence_id).not.toBeNull()
            expect(yield* tasks.get(user, task.id)).toEqual(completed)
            const copy = yield* tasks.get(user, completed.next_occurrence_id!)
            expect(copy).toMatchObject({
              title: "Water the plants",
              description: "the big ones too",
              priority: "high",
              tags: ["home", "Garden"],
              completed: false,
              recurrence: "FREQ=WEEKLY;BYDAY=MO",
              timezone: "Europe/Berlin",
              next_occurrence_id: null
            })
            // A week on, across the change to summer time: still 09:00 in Berlin.
            expect(DateTime.formatIso(copy.due_date!)).toBe("2026-03-30T07:00:00.000Z")
            expect(DateTime.formatIso(copy.remind_at!)).toBe("2026-03-30T06:45:00.000Z")
            expect(yield* listAll(user, {})).toHaveLength(2)
          }))
      }

      it.effect("completing, reopening and completing again makes one copy in all", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* weekly(user)
          const first = yield* tasks.setCompleted(user, task.id, true)
          const reopened = yield* tasks.toggleCompleted(user, task.id)
          expect(reopened).toMatchObject({ completed: false, next_occurrence_id: first.next_occurrence_id })
          const again = yield* tasks.toggleCompleted(user, task.id)
          expect(again.next_occurrence_id).toBe(first.next_occurrence_id)
          yield* tasks.update(user, task.id, patch({ completed: false }))
          yield* tasks.update(user, task.id, patch({ completed: true }))
          expect(yield* listAll(user, {})).toHaveLength(2)
        }))

      it.effect("many completions at once make one copy", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* weekly(user)
          const results = yield* Effect.all(
            Array.from(
              { length: 24 },
              (_, i) => i % 2 === 0 ? tasks.setCompleted(user, task.id, true) : tasks.update(user, task.id, patch({ completed: true }))
            ),
            { concurrency: "unbounded" }
          )
          const linked = new Set(results.map((result) => result.next_occurrence_id))
          expect(linked.size).toBe(1)
          expect([...linked][0]).not.toBeNull()
          expect(yield* listAll(user, {})).toHaveLength(2)
        }))

      it.effect("toggles at once all count, and make one copy", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* weekly(user)
          yield* Effect.all(Array.from({ length: 15 }, () => tasks.toggleCompleted(user, task.id)), { concurrency: "unbounded" })
          expect((yield* tasks.get(user, task.id)).completed).toBe(true)
          expect(yield* listAll(user, {})).toHaveLength(2)
        }))

      it.effect("deleting the copy does not let the task spawn another", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* weekly(user)
          const completed = yield* tasks.setCompleted(user, task.id, true)
          yield* tasks.remove(user, completed.next_occurrence_id!)
          yield* tasks.setCompleted(user, task.id, false)
          expect((yield* tasks.setCompleted(user, task.id, true)).next_occurrence_id).toBe(completed.next_occurrence_id)
          expect(yield* listAll(user, {})).toHaveLength(1)
        }))

      it.effect("creating or importing a completed recurring task, or completing one that does not repeat, makes no copy", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const created = yield* weekly(user, { completed: true })
          yield* tasks.importAll(user, [
            imported({ title: "done", completed: true, due_date: "2026-01-01T09:00:00Z", recurrence: "FREQ=DAILY" })
          ])
          const plain = yield* tasks.create(user, newTask({ title: "once", due_date: "2026-01-01T09:00:00Z" }))
          expect((yield* tasks.setCompleted(user, plain.id, true)).next_occurrence_id).toBeNull()
          expect((yield* tasks.setCompleted(user, created.id, true)).next_occurrence_id).toBeNull()
          expect(yield* listAll(user, {})).toHaveLength(3)
        }))

      it.effect("an update that completes a task and makes it recurring at once makes the copy from the result", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* tasks.create(user, newTask({ title: "from now on", due_date: "2026-01-01T09:00:00Z" }))
          const completed = yield* tasks.update(user, task.id, patch({ completed: true, recurrence: "FREQ=DAILY;COUNT=5" }))
          const copy = yield* tasks.get(user, completed.next_occurrence_id!)
          expect(copy.recurrence).toBe("FREQ=DAILY;COUNT=4")
          expect(DateTime.formatIso(copy.due_date!)).toBe("2026-01-02T09:00:00.000Z")
          const stopped = yield* tasks.create(
            user,
            newTask({ title: "no more", due_date: "2026-01-01T09:00:00Z", recurrence: "FREQ=DAILY" })
          )
          expect((yield* tasks.update(user, stopped.id, patch({ completed: true, recurrence: null }))).next_occurrence_id).toBeNull()
        }))

      it.effect("an overdue series catches up with the moment of completion, and a finished one makes no copy", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const task = yield* weekly(user, { recurrence: "FREQ=DAILY;COUNT=10", due_date: "2026-06-01T09:00:00Z", timezone: null })
          yield* TestClock.setTime(Date.parse("2026-06-05T12:00:00Z"))
          const completed = yield* tasks.setCompleted(user, task.id, true)
          const copy = yield* tasks.get(user, completed.next_occurrence_id!)
          expect(DateTime.formatIso(copy.due_date!)).toBe("2026-06-06T09:00:00.000Z")
          expect(copy.recurrence).toBe("FREQ=DAILY;COUNT=5")
          expect(DateTime.formatIso(copy.created_at)).toBe("2026-06-05T12:00:00.000Z")
          yield* TestClock.setTime(Date.parse("2026-07-01T00:00:00Z"))
          expect((yield* tasks.setCompleted(user, copy.id, true)).next_occurrence_id).toBeNull()
          expect(yield* listAll(user, {})).toHaveLength(2)
        }))

      it.effect("an import keeps the new fields, links next occurrences within the file, and spawns nothing", () =>
        Effect.gen(function*() {
          const tasks = yield* Tasks
          const user = freshUser()
          const original = yield* weekly(user)
          yield* tasks.setCompleted(user, original.id, true)
          const exported = Chunk.toReadonlyArray(yield* Stream.runCollect(tasks.exportAll(user)))
          const restoredUser = freshUser()
          expect(yield* tasks.importAll(restoredUser, exported.map((task) => imported(Schema.encodeSync(Task)(task))))).toBe(2)
          const restored = yield* listAll(restoredUser, { sort: "created_at", order: "asc" })
          expect(restored).toHaveLength(2)
          const [done, next] = restored
          expect(done!.next_occurrence_id).toBe(next!.id)
          const strip = ({ id: _id, user_id: _user, next_occurrence_id: _next, ...fields }: Task) => fields
          expect(restored.map(strip)).toEqual(exported.map(strip))
          // A link to a task outside the file is dropped.
          yield* tasks.importAll(restoredUser, [imported({ title: "orphan", id: 5, next_occurrence_id: 999_999 })])
          expect((yield* listAll(restoredUser, { q: "orphan" }))[0]!.next_occurrence_id).toBeNull()
        }))

      it.effect("the store answers a ping", () =>
        Effect.gen(function*() {
          const repository = yield* TaskRepository
          yield* repository.ping
        }))
    }
  )
}
