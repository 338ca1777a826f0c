/**
 * The repository contract: one suite, run unchanged against every adapter of `TaskRepository`.
 * It drives the port through the core use-cases, as every host does.
 */
import { expect, layer } from "@effect/vitest"
import {
  ImportedTask,
  NewTask,
  TaskListParams,
  TaskPatch,
  TaskRepository,
  Tasks,
  versionOf,
  type SortKey,
  type Task,
  type TaskId,
  type UserId
} from "@todo/core"
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
  { title: "banana", priority: "high", due_date: "2026-03-01T00:00:00Z", created_at: "2026-01-01T00:00:01Z", updated_at: "2026-01-01T00:00:05Z" },
  { title: "Apple", priority: "low", due_date: null, created_at: "2026-01-01T00:00:02Z", updated_at: "2026-01-01T00:00:04Z" },
  { title: "cherry", priority: "medium", due_date: "2026-02-01T00:00:00Z", created_at: "2026-01-01T00:00:03Z", updated_at: "2026-01-01T00:00:06Z" },
  { title: "apple", priority: "high", due_date: null, created_at: "2026-01-01T00:00:04Z", updated_at: "2026-01-01T00:00:01Z" },
  { title: "Émile", priority: "medium", due_date: "2026-02-01T00:00:00Z", created_at: "2026-01-01T00:00:05Z", updated_at: "2026-01-01T00:00:03Z" },
  { title: "zebra", priority: "low", due_date: "2026-01-15T00:00:00Z", created_at: "2026-01-01T00:00:05Z", updated_at: "2026-01-01T00:00:02Z" }
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

const seedSortFixture = (user: UserId) =>
  Effect.flatMap(Tasks, (tasks) => tasks.importAll(user, sortFixture.map((task) => imported(task))))

export const taskRepositoryContract = (name: string, repository: Layer.Layer<TaskRepository, unknown>): void => {
  layer(Tasks.layer.pipe(Layer.provideMerge(repository)), { timeout: "60 seconds" })(`TaskRepository contract: ${name}`, (it) => {
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
          due_date: null
        })
        expect(DateTime.Equivalence(task.created_at, task.updated_at)).toBe(true)
      }))

    it.effect("every field given on create is stored and read back", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const created = yield* tasks.create(user, newTask({
          title: "Report",
          description: "Quarterly numbers",
          completed: true,
          priority: "high",
          tags: ["work", "Q3", "urgent"],
          due_date: "2026-05-01T18:30:00+02:00"
        }))
        const read = yield* tasks.get(user, created.id)
        expect(read).toEqual(created)
        expect(read.tags).toEqual(["work", "Q3", "urgent"])
        expect(DateTime.formatIso(read.due_date!)).toBe("2026-05-01T16:30:00.000Z")
        expect(read.completed).toBe(true)
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
        const task = yield* tasks.create(user, newTask({
          title: "Draft",
          description: "notes",
          tags: ["a"],
          due_date: "2026-01-01T00:00:00Z"
        }))
        const renamed = yield* tasks.update(user, task.id, patch({ title: "Final", priority: "low" }))
        expect(renamed).toMatchObject({ title: "Final", priority: "low", description: "notes", tags: ["a"] })
        expect(renamed.due_date).not.toBeNull()
        const cleared = yield* tasks.update(user, task.id, patch({ description: null, due_date: null, tags: [] }))
        expect(cleared).toMatchObject({ title: "Final", description: null, due_date: null, tags: [] })
        expect(yield* tasks.get(user, task.id)).toEqual(cleared)
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
          imported({ title: "Pay rent", description: "before the 5th", completed: true, priority: "high", tags: ["Home", "money"], due_date: "2026-02-05T00:00:00Z" }),
          imported({ title: "Call mum", priority: "low", tags: ["family"], due_date: "2026-02-10T12:00:00Z" }),
          imported({ title: "Fix bike", description: "RENT a pump", tags: ["home"] }),
          imported({ title: "100% done_ish", description: null })
        ])
        expect(titles(yield* listAll(user, { status: "completed" }))).toEqual(["Pay rent"])
        expect(titles(yield* listAll(user, { status: "pending", sort: "title", order: "asc" }))).toEqual(["100% done_ish", "Call mum", "Fix bike"])
        expect(titles(yield* listAll(user, { priority: "low" }))).toEqual(["Call mum"])
        expect(titles(yield* listAll(user, { tag: "HOME", sort: "title", order: "asc" }))).toEqual(["Fix bike", "Pay rent"])
        expect(titles(yield* listAll(user, { q: "rent", sort: "title", order: "asc" }))).toEqual(["Fix bike", "Pay rent"])
        expect(titles(yield* listAll(user, { q: "%" }))).toEqual(["100% done_ish"])
        expect(titles(yield* listAll(user, { q: "_" }))).toEqual(["100% done_ish"])
        expect(titles(yield* listAll(user, { q: "0% d" }))).toEqual(["100% done_ish"])
        expect(titles(yield* listAll(user, { q: "\\" }))).toEqual([])
        expect(titles(yield* listAll(user, { due_before: "2026-02-05T00:00:00Z" }))).toEqual(["Pay rent"])
        expect(titles(yield* listAll(user, { due_after: "2026-02-05T00:00:01Z" }))).toEqual(["Call mum"])
        expect(titles(yield* listAll(user, { due_after: "2026-02-01T00:00:00+01:00", due_before: "2026-02-28T00:00:00Z", sort: "due_date", order: "asc" })))
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

    it.effect("the store answers a ping", () =>
      Effect.gen(function*() {
        const repository = yield* TaskRepository
        yield* repository.ping
      }))
  })
}
