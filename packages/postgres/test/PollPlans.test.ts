/**
 * The polls every process runs every second, over many tasks and deliveries: each reads its
 * partial index, never the whole table, however many tasks and deliveries there are.
 */
import { expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql/SqlClient"
import { type ImportDraft, TaskRepository, type UserId } from "@todo/core"
import { PgTaskRepository, PgWebhookOutbox } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { DateTime, Effect } from "effect"
import { plannedDraft, seededOnServer } from "./TestDatabases.js"

const USERS = 20
const TASKS_PER_USER = 1000
const userOf = (n: number) => `poll-user-${n}` as UserId

// Most tasks have had their reminder long ago; a few are still to come.
const draft = (n: number): ImportDraft => {
  const planned = plannedDraft(n)
  return { ...planned, remind_at: n % 5 === 0 ? DateTime.unsafeMake(Date.UTC(2040, 0, 1) + n) : planned.created_at }
}

const seeded = seededOnServer(
  Effect.gen(function*() {
    const repository = yield* TaskRepository
    const sql = yield* SqlClient
    yield* sql`UPDATE webhook_settings SET enabled = true`
    yield* Effect.forEach(
      Array.from({ length: USERS }, (_, n) => n),
      (n) => repository.insertAll(userOf(n), Array.from({ length: TASKS_PER_USER }, (_, i) => draft(i))),
      { concurrency: 4, discard: true }
    )
    // Every reminder of the past emitted, and every delivery but a few made or failed: what a running system holds.
    while ((yield* repository.emitDueReminders(DateTime.unsafeMake(Date.UTC(2030, 0, 1)), 5000)).length > 0) {
      // emitted in batches
    }
    yield* sql`UPDATE webhook_deliveries SET failed_at = now() WHERE task_id % 50 <> 0`
    yield* sql`ANALYZE tasks`
    yield* sql`ANALYZE webhook_deliveries`
  })
)

const planOf = (text: string, params: ReadonlyArray<unknown>) =>
  Effect.flatMap(SqlClient, (sql) => sql.unsafe<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params)).pipe(
    Effect.map((rows) => rows.map((row) => row["QUERY PLAN"]).join("\n"))
  )

describeOnPostgres("the plans of the background polls on a PostgreSQL server", () => {
  it.layer(seeded, { timeout: "120 seconds" })((it) => {
    it.effect("the reminder poll reads the index of armed tasks, never a sequential scan", () =>
      Effect.gen(function*() {
        const statement = yield* PgTaskRepository.emitRemindersStatement(DateTime.unsafeMake(Date.UTC(2045, 0, 1)), 200)
        const [text, params] = statement.compile()
        const plan = yield* planOf(text, params)
        expect(plan).toMatch(/Index Scan using tasks_reminders_due/)
        expect(plan).not.toMatch(/Seq Scan on tasks/)
      }))

    it.effect("the webhook claim reads the index of pending deliveries, never a sequential scan", () =>
      Effect.gen(function*() {
        const plan = yield* planOf(PgWebhookOutbox.CLAIM_STATEMENT, [16, 30_000])
        expect(plan).toMatch(/Index Scan using webhook_deliveries_due/)
        expect(plan).not.toMatch(/Seq Scan on webhook_deliveries/)
      }))
  })
})
