/**
 * Reminders' part of the repository contract, run against every adapter: one `reminder` change
 * per value of `remind_at` once it has passed, none for a task completed or deleted first, and
 * exactly one however many callers emit at once.
 */
import { expect, layer } from "@effect/vitest"
import {
  ChangeSignal,
  encodeFeedCursor,
  type FeedItem,
  NewTask,
  Reminders,
  TaskFeed,
  TaskPatch,
  type TaskRepository,
  Tasks,
  type UserId
} from "@todo/core"
import { Duration, Effect, Layer, Schema } from "effect"

const newTask = Schema.decodeUnknownSync(NewTask)
const patch = Schema.decodeUnknownSync(TaskPatch)

let userSequence = 0
const freshUser = (): UserId => `remind-${Date.now().toString(36)}-${++userSequence}-${Math.random().toString(36).slice(2, 8)}` as UserId

const ago = (millis: number) => new Date(Date.now() - millis).toISOString()

/** Every change of `user`'s feed so far. */
const feedOf = (user: UserId) =>
  Effect.gen(function*() {
    const feed = yield* TaskFeed
    const items: Array<FeedItem> = []
    let since = encodeFeedCursor(user, 0)
    for (;;) {
      const page = yield* feed.changes(user, { since, limit: 500 })
      items.push(...page.changes)
      since = page.cursor
      if (!page.has_more) return items
    }
  })

const remindersOf = (user: UserId) =>
  Effect.map(feedOf(user), (items) => items.filter((item) => item.change.type === "reminder").map((item) => item.change))

const emitDue = Effect.flatMap(Reminders, (reminders) => reminders.emitDue)

export const reminderContract = (name: string, repository: Layer.Layer<TaskRepository, unknown>): void => {
  const services = Layer.mergeAll(Tasks.layer, TaskFeed.layer, Reminders.layer).pipe(
    Layer.provideMerge(repository),
    Layer.provideMerge(ChangeSignal.layer)
  )
  layer(services, { timeout: "60 seconds", excludeTestServices: true })(`reminder contract: ${name}`, (it) => {
    it.effect("a reminder that has passed is emitted once, as a reminder change holding the task unchanged", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const task = yield* tasks.create(user, newTask({ title: "call mum", remind_at: ago(1000) }))
        yield* emitDue
        yield* emitDue
        const reminders = yield* remindersOf(user)
        expect(reminders.map((change) => [change.type, change.task_id, change.task])).toEqual([["reminder", task.id, task]])
        expect(yield* tasks.get(user, task.id)).toEqual(task)
      }))

    it.effect("a reminder in the future waits until it has passed", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        yield* tasks.create(user, newTask({ title: "later", remind_at: new Date(Date.now() + 1500).toISOString() }))
        yield* emitDue
        expect(yield* remindersOf(user)).toEqual([])
        yield* Effect.sleep(Duration.millis(1700))
        yield* emitDue
        expect((yield* remindersOf(user)).length).toBe(1)
      }))

    it.effect("a task completed or deleted before its reminder falls due gets none", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const remind_at = new Date(Date.now() + 300).toISOString()
        const done = yield* tasks.create(user, newTask({ title: "done first", remind_at }))
        const gone = yield* tasks.create(user, newTask({ title: "deleted first", remind_at }))
        yield* tasks.setCompleted(user, done.id, true)
        yield* tasks.remove(user, gone.id)
        yield* Effect.sleep(Duration.millis(500))
        yield* emitDue
        expect(yield* remindersOf(user)).toEqual([])
      }))

    it.effect("a new remind_at arms the reminder again; other changes, or the same value, do not", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const first = ago(2000)
        const task = yield* tasks.create(user, newTask({ title: "twice", remind_at: first }))
        yield* emitDue
        yield* tasks.update(user, task.id, patch({ title: "renamed", remind_at: first }))
        yield* emitDue
        expect((yield* remindersOf(user)).length).toBe(1)
        const moved = yield* tasks.update(user, task.id, patch({ remind_at: ago(1000) }))
        yield* emitDue
        yield* emitDue
        const reminders = yield* remindersOf(user)
        expect(reminders.length).toBe(2)
        expect(reminders[1]!.task).toEqual(moved)
      }))

    it.effect("a reminder never emitted is emitted when its task is reopened, since it has passed and is not completed", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const user = freshUser()
        const task = yield* tasks.create(user, newTask({ title: "reopened", completed: true, remind_at: ago(1000) }))
        yield* emitDue
        expect(yield* remindersOf(user)).toEqual([])
        yield* tasks.setCompleted(user, task.id, false)
        yield* emitDue
        expect((yield* remindersOf(user)).length).toBe(1)
      }))

    it.effect("8 callers emitting at once emit each of 60 due reminders exactly once", () =>
      Effect.gen(function*() {
        const tasks = yield* Tasks
        const users = [freshUser(), freshUser(), freshUser()]
        for (let i = 0; i < 60; i++) {
          yield* tasks.create(users[i % 3]!, newTask({ title: `r${i}`, remind_at: ago(1000 + i) }))
        }
        yield* Effect.all(Array.from({ length: 8 }, () => emitDue), { concurrency: 8 })
        const reminders = (yield* Effect.forEach(users, remindersOf)).flat()
        expect(reminders.length).toBe(60)
        expect(new Set(reminders.map((change) => change.task_id)).size).toBe(60)
      }))
  })
}
