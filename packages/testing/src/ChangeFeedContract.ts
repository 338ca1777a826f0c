/**
 * The change feed's part of the repository contract, run against every adapter: what each write
 * records, reading it back exactly once in commit order, isolation and retention.
 */
import { expect, layer } from "@effect/vitest"
import {
  ChangeSignal,
  encodeFeedCursor,
  type FeedItem,
  FeedCursorExpired,
  ImportedTask,
  NewTask,
  type Task,
  TaskFeed,
  TaskPatch,
  TaskRepository,
  Tasks,
  type UserId
} from "@todo/core"
import { Duration, Effect, Exit, Fiber, Layer, Option, Schema, Stream } from "effect"

const newTask = Schema.decodeUnknownSync(NewTask)
const patch = Schema.decodeUnknownSync(TaskPatch)
const imported = Schema.decodeUnknownSync(ImportedTask)

let userSequence = 0
const freshUser = (): UserId => `feed-${Date.now().toString(36)}-${++userSequence}-${Math.random().toString(36).slice(2, 8)}` as UserId

/** Every change after `cursor`, paging with `limit`, and the cursor to continue from. */
const readAll = (user: UserId, cursor: string, limit = 100) =>
  Effect.gen(function*() {
    const feed = yield* TaskFeed
    const items: Array<FeedItem> = []
    let since = cursor
    for (;;) {
      const page = yield* feed.changes(user, { since, limit })
      items.push(...page.changes)
      since = page.cursor
      if (!page.has_more) return { items, cursor: since }
    }
  })

const startCursor = (user: UserId) => Effect.flatMap(TaskFeed, (feed) => feed.changes(user, {})).pipe(Effect.map((page) => page.cursor))

/** The list a reader rebuilds by applying the changes in order. */
const replay = (items: ReadonlyArray<FeedItem>): Map<number, Task> => {
  const rebuilt = new Map<number, Task>()
  for (const { change } of items) {
    if (change.type === "deleted") rebuilt.delete(change.task_id)
    else rebuilt.set(change.task_id, change.task!)
  }
  return rebuilt
}

const currentTasks = (user: UserId) =>
  Effect.flatMap(Tasks, (tasks) => tasks.exportAll(user).pipe(Stream.runCollect)).pipe(
    Effect.map((all) => new Map([...all].map((task) => [task.id as number, task])))
  )

export const changeFeedContract = (name: string, repository: Layer.Layer<TaskRepository, unknown>): void => {
  const services = Layer.mergeAll(Tasks.layer, TaskFeed.layer).pipe(
    Layer.provideMerge(repository),
    Layer.provideMerge(ChangeSignal.layer)
  )
  layer(services, { timeout: "60 seconds", excludeTestServices: true })(`change feed contract: ${name}`, (it) => {
    it.effect("each write records one change holding the task as committed, in order", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const start = yield* startCursor(user)
        const created = yield* tasks.create(user, newTask({ title: "one" }))
        const updated = yield* tasks.update(user, created.id, patch({ title: "two" }))
        const toggled = yield* tasks.toggleCompleted(user, created.id)
        const set = yield* tasks.setCompleted(user, created.id, false)
        yield* tasks.remove(user, created.id)
        const { items } = yield* readAll(user, start)
        expect(items.map((item) => item.change.type)).toEqual(["created", "updated", "updated", "updated", "deleted"])
        expect(items.map((item) => item.change.task)).toEqual([created, updated, toggled, set, null])
        expect(new Set(items.map((item) => item.change.task_id))).toEqual(new Set([created.id]))
        expect(new Set(items.map((item) => item.cursor)).size).toBe(5)
      }))

    it.effect("without a cursor the feed gives its current position and nothing before it", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const feed = yield* TaskFeed
        const user = freshUser()
        yield* tasks.create(user, newTask({ title: "before" }))
        const page = yield* feed.changes(user, {})
        expect(page.changes).toEqual([])
        expect(page.has_more).toBe(false)
        const later = yield* tasks.create(user, newTask({ title: "after" }))
        const { items } = yield* readAll(user, page.cursor)
        expect(items.map((item) => item.change.task)).toEqual([later])
      }))

    it.effect("a write that fails records nothing", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const task = yield* tasks.create(user, newTask({ title: "kept" }))
        const start = yield* startCursor(user)
        yield* Effect.exit(tasks.update(user, task.id, patch({ title: "stale" }), { expectedVersion: "1" }))
        yield* Effect.exit(tasks.remove(user, 2_000_000_000 as Task["id"]))
        yield* Effect.exit(tasks.update(user, task.id, patch({ recurrence: "FREQ=DAILY" })))
        expect((yield* readAll(user, start)).items).toEqual([])
      }))

    it.effect("completing a recurring task records it updated and its next occurrence created", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const task = yield* tasks.create(user, newTask({ title: "water", recurrence: "FREQ=DAILY", due_date: "2030-01-01T09:00:00Z" }))
        const start = yield* startCursor(user)
        const done = yield* tasks.setCompleted(user, task.id, true)
        const { items } = yield* readAll(user, start)
        expect(items.map((item) => item.change.type).sort()).toEqual(["created", "updated"])
        const updated = items.find((item) => item.change.type === "updated")!.change
        const created = items.find((item) => item.change.type === "created")!.change
        expect(updated.task).toEqual(done)
        expect(created.task_id).toBe(done.next_occurrence_id)
        expect(created.task).toEqual(yield* tasks.get(user, done.next_occurrence_id!))
      }))

    it.effect("an import records a created change per task, and a purge a deleted one", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const start = yield* startCursor(user)
        yield* tasks.importAll(user, [imported({ title: "a" }), imported({ title: "b" })])
        yield* tasks.purge(user)
        const { items } = yield* readAll(user, start)
        expect(items.map((item) => item.change.type)).toEqual(["created", "created", "deleted", "deleted"])
        expect(replay(items).size).toBe(0)
      }))

    it.effect("pages of a limit serve every change once, and has_more says when more follow", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const feed = yield* TaskFeed
        const user = freshUser()
        const start = yield* startCursor(user)
        for (let i = 0; i < 7; i++) yield* tasks.create(user, newTask({ title: `t${i}` }))
        const first = yield* feed.changes(user, { since: start, limit: 3 })
        expect(first.changes.length).toBe(3)
        expect(first.has_more).toBe(true)
        const { items } = yield* readAll(user, start, 3)
        expect(items.map((item) => item.change.task?.title)).toEqual(["t0", "t1", "t2", "t3", "t4", "t5", "t6"])
        const end = yield* feed.changes(user, { since: items[6]!.cursor, limit: 3 })
        expect(end).toEqual({ changes: [], cursor: items[6]!.cursor, has_more: false })
      }))

    it.effect("a reader following 8 concurrent writers misses nothing and sees nothing twice; replaying rebuilds the list", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const start = yield* startCursor(user)
        const writer = (n: number) =>
          Effect.gen(function*() {
            for (let i = 0; i < 6; i++) {
              const task = yield* tasks.create(user, newTask({ title: `w${n}-${i}` }))
              yield* tasks.update(user, task.id, patch({ priority: "high" }))
              if (i % 2 === 0) yield* tasks.toggleCompleted(user, task.id)
              if (i % 3 === 0) yield* tasks.remove(user, task.id)
            }
          })
        const seen: Array<FeedItem> = []
        let cursor = start
        const writers = yield* Effect.fork(Effect.all(Array.from({ length: 8 }, (_, n) => writer(n)), { concurrency: 8 }))
        while (Option.isNone(yield* Fiber.poll(writers))) {
          const page = yield* readAll(user, cursor, 7)
          seen.push(...page.items)
          cursor = page.cursor
          yield* Effect.sleep(Duration.millis(2))
        }
        yield* Fiber.join(writers)
        seen.push(...(yield* readAll(user, cursor)).items)
        expect(new Set(seen.map((item) => item.cursor)).size).toBe(seen.length)
        expect(seen.length).toBe(8 * (6 * 2 + 3 + 2))
        expect(replay(seen)).toEqual(yield* currentTasks(user))
      }))

    it.effect("a live follower gets every change in order, from its cursor", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const feed = yield* TaskFeed
        const user = freshUser()
        const first = yield* tasks.create(user, newTask({ title: "first" }))
        const start = yield* startCursor(user)
        const followed = yield* Effect.scoped(Effect.gen(function*() {
          const live = yield* feed.follow(user, { cursor: start, field: "Last-Event-ID" })
          const reader = yield* Effect.fork(Stream.runCollect(Stream.take(live, 3)))
          yield* tasks.update(user, first.id, patch({ title: "renamed" }))
          yield* tasks.create(user, newTask({ title: "second" }))
          yield* tasks.remove(user, first.id)
          return yield* Fiber.join(reader)
        }))
        expect([...followed].map((item) => item.change.type)).toEqual(["updated", "created", "deleted"])
      }))

    it.effect("a live follower from a cursor gets the changes already committed after it first, then the new ones", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const feed = yield* TaskFeed
        const user = freshUser()
        const since = { cursor: yield* startCursor(user), field: "since" }
        yield* tasks.create(user, newTask({ title: "missed" }))
        const followed = yield* Effect.scoped(Effect.gen(function*() {
          const streamed = yield* Effect.fork(Stream.runCollect(Stream.take(yield* feed.follow(user, since), 2)))
          yield* tasks.create(user, newTask({ title: "live" }))
          return [...(yield* Fiber.join(streamed))]
        }))
        expect(followed.map((item) => item.change.task?.title)).toEqual(["missed", "live"])
      }))

    it.effect("another user's cursor, or one never issued, is refused; one user's changes are not another's", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const feed = yield* TaskFeed
        const alice = freshUser()
        const bob = freshUser()
        const aliceStart = yield* startCursor(alice)
        const bobStart = yield* startCursor(bob)
        yield* tasks.create(alice, newTask({ title: "alice's" }))
        expect((yield* readAll(bob, bobStart)).items).toEqual([])
        for (const since of [aliceStart, "bm90LWEtY3Vyc29y", "%%%"]) {
          const refused = yield* Effect.flip(feed.changes(bob, { since }))
          expect(refused).toMatchObject({ _tag: "ValidationFailed", issues: [{ path: "since" }] })
        }
        const neverIssued = yield* Effect.flip(feed.changes(alice, { since: encodeFeedCursor(alice, 1_000_000) }))
        expect(neverIssued).toMatchObject({ _tag: "ValidationFailed", issues: [{ path: "since" }] })
      }))

    it.effect("changes older than the retention are dropped: a cursor before them is expired, one after them reads on", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const feed = yield* TaskFeed
        const user = freshUser()
        const start = yield* startCursor(user)
        yield* tasks.create(user, newTask({ title: "old" }))
        const afterOld = (yield* readAll(user, start)).cursor
        yield* Effect.sleep(Duration.millis(300))
        expect(yield* feed.dropOlderThan(Duration.millis(150))).toBeGreaterThan(0)
        const newer = yield* tasks.create(user, newTask({ title: "new" }))
        expect(yield* Effect.flip(feed.changes(user, { since: start }))).toBeInstanceOf(FeedCursorExpired)
        const { items } = yield* readAll(user, afterOld)
        expect(items.map((item) => item.change.task)).toEqual([newer])
        const following = yield* Effect.scoped(Effect.exit(feed.follow(user, { cursor: start, field: "since" })))
        expect(Exit.isFailure(following)).toBe(true)
      }))
  })
}
