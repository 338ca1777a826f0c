import { describe, expect, it } from "@effect/vitest"
import { NewTask, type TaskId, TaskRepository, Tasks, type UserId } from "@todo/core"
import { Database } from "@todo/postgres"
import { Effect, Exit, Layer, Schema } from "effect"
import { createServer, connect, type Server, type Socket } from "node:net"
import { join } from "node:path"
import { describeOnPostgres, freshSchemaUrl, temporaryDirectory, testDatabaseUrl, withConfig } from "./TestDatabases.js"

const user = "database-test-user" as UserId
const newTask = Schema.decodeUnknownSync(NewTask)
const tasksOver = (config: Record<string, string>) =>
  Tasks.layer.pipe(Layer.provideMerge(Database.layer), Layer.provide(withConfig(config)))

describe("Database.layer", () => {
  it.live("an unreachable DATABASE_URL fails fast with RepositoryUnavailable, naming no host or secret", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const exit = yield* Effect.exit(Effect.scoped(
        Layer.build(Database.layer.pipe(Layer.provide(withConfig({
          DATABASE_URL: "postgres://todo:s3cret@127.0.0.1:1/todo"
        }))))
      ))
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error).toMatchObject({ _tag: "RepositoryUnavailable", reason: "the database cannot be reached" })
        expect(JSON.stringify(error)).not.toMatch(/127\.0\.0\.1|s3cret|todo:/)
      }
    }))

  it.live("without DATABASE_URL the tasks outlive the process, in a DATA_DIR created on demand", () =>
    Effect.gen(function*() {
      const dataDir = join(yield* temporaryDirectory, "nested", "data")
      const created = yield* Effect.scoped(Effect.flatMap(
        Layer.build(tasksOver({ DATA_DIR: dataDir })),
        (context) => Effect.provide(Effect.flatMap(Tasks, (tasks) => tasks.create(user, newTask({ title: "keep me" }))), context)
      ))
      const reopened = yield* Effect.scoped(Effect.flatMap(
        Layer.build(tasksOver({ DATA_DIR: dataDir })),
        (context) => Effect.provide(Effect.flatMap(Tasks, (tasks) => tasks.get(user, created.id)), context)
      ))
      expect(reopened).toEqual(created)
    }).pipe(Effect.scoped), { timeout: 60_000 })
})

/** A TCP relay in front of the server, to cut every connection and refuse new ones, then come back. */
const relayTo = (target: URL) => {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const open = (port: number) =>
    Effect.async<number>((resume) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => socket.destroy())
        }
        client.pipe(upstream).pipe(client)
      })
      server.listen(port, "127.0.0.1", () => {
        const address = server!.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : port))
      })
    })
  const cut = Effect.async<void>((resume) => {
    for (const socket of sockets) socket.destroy()
    server!.close(() => resume(Effect.void))
  })
  return { open, cut }
}

describeOnPostgres("Database.layer on a PostgreSQL server", () => {
  it.live("a lost database is RepositoryUnavailable within seconds, and the pool recovers when it is back", () =>
    Effect.gen(function*() {
      const target = new URL(yield* freshSchemaUrl)
      const relay = relayTo(new URL(testDatabaseUrl!))
      const port = yield* relay.open(0)
      const viaRelay = new URL(target)
      viaRelay.hostname = "127.0.0.1"
      viaRelay.port = String(port)
      const context = yield* Layer.build(Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: viaRelay.toString() }))))
      const repository = yield* Effect.provide(TaskRepository, context)
      yield* repository.ping

      yield* relay.cut
      const started = Date.now()
      const error = yield* Effect.flip(repository.ping)
      expect(error._tag).toBe("RepositoryUnavailable")
      expect(Date.now() - started).toBeLessThan(5_000)
      expect((yield* Effect.flip(repository.findById(user, 1 as TaskId)))._tag).toBe("RepositoryUnavailable")

      yield* relay.open(port)
      yield* repository.ping
      expect(yield* repository.removeAllOf(user)).toBe(0)
      yield* relay.cut
    }).pipe(Effect.scoped), { timeout: 30_000 })
})
