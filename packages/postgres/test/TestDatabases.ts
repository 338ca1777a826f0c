/** The databases the tests run against: PGlite in a temporary directory, and a fresh schema on a real server. */
import { Database } from "@todo/postgres"
import { freshSchema } from "@todo/testing"
import { ConfigProvider, Effect, Layer } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const withConfig = (entries: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

export const temporaryDirectory = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "todo-pglite-"))),
  (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
)

export const embeddedDatabase = Layer.unwrapScoped(
  Effect.map(temporaryDirectory, (dir) => Database.layer.pipe(Layer.provide(withConfig({ DATA_DIR: dir }))))
)

/** A URL whose connections see only a new, empty schema, dropped when the scope closes. */
export const freshSchemaUrl = Effect.acquireRelease(
  Effect.promise(() => freshSchema("test")),
  (schema) => Effect.promise(schema.drop)
).pipe(Effect.map((schema) => schema.url))
