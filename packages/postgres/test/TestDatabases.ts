/** The databases the tests run against: PGlite in a temporary directory, and a fresh schema on a real server. */
import type { SqlClient } from "@effect/sql/SqlClient"
import type { ImportDraft, TaskRepository } from "@todo/core"
import { Database } from "@todo/postgres"
import { freshSchema } from "@todo/testing"
import { ConfigProvider, DateTime, Effect, Layer } from "effect"
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

/** The `n`th of many varied tasks, a minute apart from 2026-01-01, for the plan tests. */
export const plannedDraft = (n: number): ImportDraft => {
  const at = DateTime.unsafeMake(Date.UTC(2026, 0, 1) + n * 60_000)
  return {
    title: `task ${n}`,
    description: null,
    completed: n % 3 === 0,
    priority: (["low", "medium", "high"] as const)[n % 3]!,
    tags: [],
    due_date: n % 4 === 0 ? null : at,
    created_at: at,
    updated_at: at,
    recurrence: null,
    timezone: null,
    remind_at: null,
    next_occurrence_index: null
  }
}

/** The database of a fresh schema on the server, with `seed` run on it first. */
export const seededOnServer = <E>(seed: Effect.Effect<void, E, TaskRepository | SqlClient>) =>
  Layer.unwrapScoped(
    Effect.map(freshSchemaUrl, (url) => Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: url }))))
  ).pipe(Layer.tap((context) => Effect.provide(seed, context)))
