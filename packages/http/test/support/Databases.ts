/** The stores the HTTP suites run on besides the in-memory one: PGlite in a temporary directory, and PostgreSQL. */
import { Database } from "@todo/postgres"
import { freshSchema } from "@todo/testing"
import { ConfigProvider, Effect, Layer } from "effect"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"

const withConfig = (entries: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

/** The database at `url`, as the API opens it (migrated). */
export const serverDatabase = (url: string) => Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: url })))

/** A new, empty schema on the server at `url`, dropped when the layer is released. */
export const freshServerDatabase = (url: string) =>
  Layer.unwrapScoped(Effect.map(
    Effect.acquireRelease(Effect.promise(() => freshSchema("http", url)), (schema) => Effect.promise(schema.drop)),
    (schema) => serverDatabase(schema.url)
  ))

/** The embedded database in a temporary directory, removed when the layer is released. */
export const embeddedDatabase = Layer.unwrapScoped(Effect.map(
  Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "todo-http-pglite-"))),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  ),
  (dir) => Database.layer.pipe(Layer.provide(withConfig({ DATA_DIR: dir })))
))
