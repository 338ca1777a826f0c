/**
 * Two processes' worth of services on one PostgreSQL server, each with its own signal: a write
 * through one wakes a live reader of the other, by LISTEN and by polling.
 */
import { expect, layer } from "@effect/vitest"
import { ChangeSignal, NewTask, TaskFeed, Tasks, type UserId } from "@todo/core"
import { ChangeListener, Database, Statements } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { Context, Duration, Effect, Fiber, Layer, Redacted, Schema, Stream } from "effect"
import { freshSchemaUrl, withConfig } from "./TestDatabases.js"

const newTask = Schema.decodeUnknownSync(NewTask)

class Writer extends Context.Tag("Writer")<Writer, Tasks["Type"]>() {}

/** Its own pool and signal (fresh: layers are otherwise shared within one build): nothing is shared with the reader but the server. */
const writerOn = (url: string) =>
  Layer.effect(Writer, Tasks).pipe(
    Layer.provide(Tasks.layer),
    Layer.provide(Layer.fresh(Database.layer)),
    Layer.provide(Layer.fresh(ChangeSignal.layer)),
    Layer.provide(withConfig({ DATABASE_URL: url })),
    Layer.fresh
  )

const readerOn = (url: string, listener: Layer.Layer<never, never, ChangeSignal | Statements.Statements>) =>
  TaskFeed.layer.pipe(
    Layer.provideMerge(listener),
    Layer.provideMerge(Database.layer),
    Layer.provideMerge(ChangeSignal.layer),
    Layer.provide(withConfig({ DATABASE_URL: url }))
  )

const both = (listener: (url: string) => Layer.Layer<never, never, ChangeSignal | Statements.Statements>) =>
  Layer.unwrapScoped(Effect.map(freshSchemaUrl, (url) => Layer.merge(writerOn(url), readerOn(url, listener(url)))))

const seesAnotherProcessWrite = Effect.gen(function*() {
  const writer = yield* Writer
  const feed = yield* TaskFeed
  const user = `listener-${Math.random().toString(36).slice(2)}` as UserId
  const received = yield* Effect.scoped(Effect.gen(function*() {
    const live = yield* feed.follow(user, undefined)
    const reader = yield* Effect.fork(Stream.runHead(live))
    yield* Effect.sleep(Duration.millis(100))
    const written = yield* writer.create(user, newTask({ title: "from the other process" }))
    const item = yield* Fiber.join(reader).pipe(Effect.timeout(Duration.seconds(1)))
    return { written, item }
  }))
  expect(received.item._tag).toBe("Some")
  if (received.item._tag === "Some") expect(received.item.value.change.task).toEqual(received.written)
})

describeOnPostgres("the change listener", () => {
  layer(both((url) => ChangeListener.listening(Redacted.make(url))), { timeout: "30 seconds", excludeTestServices: true })(
    "by LISTEN",
    (it) => {
      it.effect("a write through another process's services reaches a live reader within 1 s", () => seesAnotherProcessWrite)
    }
  )
  layer(both(() => ChangeListener.polling), { timeout: "30 seconds", excludeTestServices: true })("by polling", (it) => {
    it.effect("a write through another process's services reaches a live reader within 1 s", () => seesAnotherProcessWrite)
  })
  layer(
    Layer.unwrapScoped(Effect.map(freshSchemaUrl, (url) => Layer.merge(writerOn(url), readerOn(url, Layer.empty)))),
    { timeout: "30 seconds", excludeTestServices: true }
  )("with neither", (it) => {
    it.effect("the reader is not woken: the listener is what carries another process's writes", () =>
      Effect.flip(seesAnotherProcessWrite).pipe(Effect.map((error) => expect(error).toBeDefined())))
  })
})
