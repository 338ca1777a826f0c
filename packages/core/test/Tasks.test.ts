/** The use-cases' own rules, over the in-memory store: what no adapter can be trusted to enforce alone. */
import { describe, expect, it } from "@effect/vitest"
import { ChangeSignal, NewTask, TaskListParams, TaskRepository, Tasks, type UserId } from "@todo/core"
import { InMemoryTaskRepository } from "@todo/testing"
import { Cause, Effect, Encoding, Exit, Layer, Schema } from "effect"

const alice = "alice" as UserId
const mallory = "mallory" as UserId
const newTask = (title: string) => Schema.decodeUnknownSync(NewTask)({ title })
const params = (query: Record<string, string>) => Schema.decodeUnknownSync(TaskListParams)(query)

const tasksOver = (store: Layer.Layer<TaskRepository>) =>
  Effect.provide(Tasks, Tasks.layer.pipe(Layer.provide(store), Layer.provide(ChangeSignal.layer)))

/** A store that answers for whichever owner it is asked: the use-cases must not pass mallory's tasks on to alice. */
const leakyStore = Layer.effect(
  TaskRepository,
  Effect.map(InMemoryTaskRepository.make, (store) => ({
    ...store,
    findById: (_owner, id) => store.findById(mallory, id),
    list: (_owner, query) => store.list(mallory, query),
    update: (_owner, id, patch, options) => store.update(mallory, id, patch, options),
    toggleCompleted: (_owner, id, at) => store.toggleCompleted(mallory, id, at)
  }))
)

const cursorOf = (payload: unknown) => Encoding.encodeBase64Url(JSON.stringify(payload))

describe("Tasks, on what the store returns", () => {
  it.effect("a task the store returns for another owner is reported missing: read, update, completion, toggle", () =>
    Effect.gen(function*() {
      const tasks = yield* tasksOver(leakyStore)
      const theirs = yield* tasks.create(mallory, newTask("mallory's"))
      const refusals = yield* Effect.all([
        Effect.flip(tasks.get(alice, theirs.id)),
        Effect.flip(tasks.update(alice, theirs.id, { title: "taken" })),
        Effect.flip(tasks.setCompleted(alice, theirs.id, true)),
        Effect.flip(tasks.toggleCompleted(alice, theirs.id))
      ])
      expect(refusals.map((error) => error._tag)).toEqual(["TaskNotFound", "TaskNotFound", "TaskNotFound", "TaskNotFound"])
    }))

  it.effect("a page holding another owner's task is a defect, never a page", () =>
    Effect.gen(function*() {
      const tasks = yield* tasksOver(leakyStore)
      yield* tasks.create(mallory, newTask("mallory's"))
      const exit = yield* Effect.exit(tasks.list(alice, params({})))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("the repository listed another owner's task")
    }))
})

describe("Tasks.update, on versions", () => {
  it.effect("a version never issued is a mismatch, even against the current task", () =>
    Effect.gen(function*() {
      const tasks = yield* tasksOver(InMemoryTaskRepository.layer)
      const task = yield* tasks.create(alice, newTask("versioned"))
      for (const version of ["", "abc", "-1", "1.5", "1234567890123456", "999999999999999"]) {
        const error = yield* Effect.flip(tasks.update(alice, task.id, { title: "changed" }, { expectedVersion: version }))
        expect(error._tag, version).toBe("VersionMismatch")
      }
      expect((yield* tasks.get(alice, task.id)).title).toBe("versioned")
    }))

  it.effect("a version never issued for a task that is not there is TaskNotFound, as for any other version", () =>
    Effect.gen(function*() {
      const tasks = yield* tasksOver(InMemoryTaskRepository.layer)
      const theirs = yield* tasks.create(mallory, newTask("mallory's"))
      const error = yield* Effect.flip(tasks.update(alice, theirs.id, { title: "taken" }, { expectedVersion: "abc" }))
      expect(error._tag).toBe("TaskNotFound")
    }))
})

describe("Tasks.list, on cursors", () => {
  const threeTasks = Effect.gen(function*() {
    const tasks = yield* tasksOver(InMemoryTaskRepository.layer)
    for (const title of ["a", "b", "c"]) yield* tasks.create(alice, newTask(title))
    return tasks
  })

  it.effect("the cursor of a page leads to the next, and the last page has none", () =>
    Effect.gen(function*() {
      const tasks = yield* threeTasks
      const first = yield* tasks.list(alice, params({ sort: "title", order: "asc", limit: "2" }))
      const second = yield* tasks.list(alice, params({ sort: "title", order: "asc", limit: "2", cursor: first.next_cursor! }))
      expect([...first.tasks, ...second.tasks].map((task) => task.title)).toEqual(["a", "b", "c"])
      expect(second.next_cursor).toBeNull()
    }))

  it.effect("a cursor is valid only with the sort and order it was issued for", () =>
    Effect.gen(function*() {
      const tasks = yield* threeTasks
      const { next_cursor } = yield* tasks.list(alice, params({ sort: "title", order: "asc", limit: "1" }))
      for (const query of [{ sort: "title", order: "desc" }, { sort: "created_at", order: "asc" }]) {
        const error = yield* Effect.flip(tasks.list(alice, params({ ...query, limit: "1", cursor: next_cursor! })))
        expect(error._tag).toBe("ValidationFailed")
        expect(error._tag === "ValidationFailed" && error.issues).toEqual([
          { path: "cursor", message: "was issued for sort=title&order=asc; repeat those with it" }
        ])
      }
    }))

  it.effect("a cursor this API did not issue is refused as one", () =>
    Effect.gen(function*() {
      const tasks = yield* threeTasks
      const forged = [
        "not base64!",
        cursorOf({ sort: "title" }),
        cursorOf(["title", "asc", 5, 1]),
        cursorOf(["due_date", "asc", "tomorrow", 1]),
        cursorOf(["title", "asc", "b", -1])
      ]
      for (const cursor of forged) {
        const sort = cursor === forged[3] ? "due_date" : "title"
        const error = yield* Effect.flip(tasks.list(alice, params({ sort, order: "asc", cursor })))
        expect(error._tag === "ValidationFailed" && error.issues, cursor).toEqual([
          { path: "cursor", message: "is not a cursor this API issued" }
        ])
      }
    }))
})
