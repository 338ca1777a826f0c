/**
 * Why a reader following a feed cannot skip a change: a user's next position is only taken
 * once the write holding the previous one has committed, so a later position never becomes
 * visible before an earlier one (as a later value of a shared sequence can).
 */
import { expect, layer } from "@effect/vitest"
import { ChangeSignal, NewTask, TaskFeed, TaskRepository, Tasks, type UserId } from "@todo/core"
import { Database } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { Duration, Effect, Fiber, Layer, Option, Schema } from "effect"
import pg from "pg"
import { freshSchemaUrl, withConfig } from "./TestDatabases.js"

const newTask = Schema.decodeUnknownSync(NewTask)

let schemaUrl = ""
const services = Layer.unwrapScoped(Effect.map(freshSchemaUrl, (url) => {
  schemaUrl = url
  return Layer.mergeAll(Tasks.layer, TaskFeed.layer).pipe(
    Layer.provideMerge(Database.layer),
    Layer.provide(ChangeSignal.layer),
    Layer.provide(withConfig({ DATABASE_URL: url }))
  )
}))

/** A transaction on a connection of its own that records a change and stays open until `commit`. */
const openWrite = (owner: UserId) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const client = new pg.Client({ connectionString: schemaUrl })
      await client.connect()
      await client.query("BEGIN")
      const { rows } = await client.query<{ position: string }>(
        "SELECT record_task_change($1, 'deleted', 1, NULL)::text AS position",
        [owner]
      )
      return { client, position: Number(rows[0]!.position) }
    }),
    ({ client }) => Effect.promise(() => client.end())
  )

describeOnPostgres("the order of a feed on a PostgreSQL server", () => {
  layer(services, { timeout: "30 seconds", excludeTestServices: true })("positions", (it) => {
    it.effect("a write that commits while an earlier one is open takes the next position only after it commits", () =>
      Effect.scoped(Effect.gen(function*() {
        const tasks = yield* Tasks
        const repository = yield* TaskRepository
        const owner = `order-${Math.random().toString(36).slice(2)}` as UserId
        yield* tasks.create(owner, newTask({ title: "first" }))
        const open = yield* openWrite(owner)
        expect(open.position).toBe(2)

        const later = yield* Effect.fork(tasks.create(owner, newTask({ title: "later" })))
        yield* Effect.sleep(Duration.millis(300))
        // The later write waits for the open one instead of committing position 3 ahead of position 2.
        expect(Option.isNone(yield* Fiber.poll(later))).toBe(true)
        const meanwhile = yield* repository.changesAfter(owner, 1, 10)
        expect(meanwhile).toEqual({ entries: [], head: 1 })

        yield* Effect.promise(() => open.client.query("COMMIT"))
        yield* Fiber.join(later)
        const after = yield* repository.changesAfter(owner, 1, 10)
        expect(after.entries.map((entry) => [entry.position, entry.change.type])).toEqual([[2, "deleted"], [3, "created"]])
      })))

    it.effect("a write that rolls back gives its position back: the feed has no gap", () =>
      Effect.scoped(Effect.gen(function*() {
        const tasks = yield* Tasks
        const repository = yield* TaskRepository
        const owner = `gap-${Math.random().toString(36).slice(2)}` as UserId
        const open = yield* openWrite(owner)
        yield* Effect.promise(() => open.client.query("ROLLBACK"))
        yield* tasks.create(owner, newTask({ title: "only" }))
        const { entries, head } = yield* repository.changesAfter(owner, 0, 10)
        expect(entries.map((entry) => entry.position)).toEqual([1])
        expect(head).toBe(1)
      })))
  })
})
