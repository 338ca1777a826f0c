import { expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql/SqlClient"
import { type SortKey, type SortOrder, type TaskListQuery, TaskRepository, type UserId } from "@todo/core"
import { PgTaskRepository } from "@todo/postgres"
import { Effect } from "effect"
import { describeOnPostgres } from "@todo/testing"
import { plannedDraft as draft, seededOnServer } from "./TestDatabases.js"

const USERS = 50
const TASKS_PER_USER = 400
const userOf = (n: number) => `plan-user-${n}` as UserId

const afterOf: Record<SortKey, TaskListQuery["after"]> = {
  created_at: { value: Date.UTC(2026, 0, 1), id: 10 as never },
  updated_at: { value: Date.UTC(2026, 0, 1), id: 10 as never },
  title: { value: "task 20", id: 10 as never },
  due_date: { value: null, id: 10 as never },
  priority: { value: 1, id: 10 as never }
}

const seeded = seededOnServer(
  Effect.gen(function*() {
    const repository = yield* TaskRepository
    const sql = yield* SqlClient
    yield* Effect.forEach(
      Array.from({ length: USERS }, (_, n) => n),
      (n) => repository.insertAll(userOf(n), Array.from({ length: TASKS_PER_USER }, (_, i) => draft(i))),
      { concurrency: 8, discard: true }
    )
    yield* sql`ANALYZE tasks`
    yield* sql`ANALYZE task_changes`
  })
)

describeOnPostgres("the list query plan on a PostgreSQL server", () => {
  it.layer(seeded, { timeout: "60 seconds" })((it) => {
    for (const sort of Object.keys(afterOf) as ReadonlyArray<SortKey>) {
      for (const order of ["asc", "desc"] as ReadonlyArray<SortOrder>) {
        it.effect(`a page by ${sort} ${order} is read through an index of tasks, never a sequential scan`, () =>
          Effect.gen(function*() {
            const sql = yield* SqlClient
            for (const after of [undefined, afterOf[sort]]) {
              const statement = yield* PgTaskRepository.listStatement(userOf(7), {
                status: "all",
                sort,
                order,
                limit: 101,
                after
              })
              const [text, params] = statement.compile()
              const plan = (yield* sql.unsafe<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params))
                .map((row) => row["QUERY PLAN"])
                .join("\n")
              expect(plan).toMatch(/Index Scan( Backward)? (using|on) tasks_user_\w+/)
              expect(plan).not.toMatch(/Seq Scan/)
              if (after === undefined) {
                // The index already holds the page in order: no sort step.
                expect(plan).not.toMatch(/Sort/)
              } else {
                // The keyset position bounds the index range instead of filtering rows read.
                expect(plan).toMatch(/Index Cond: \(.*ROW\(/)
              }
            }
          }))
      }
    }

    it.effect("a page of one user's changes is read through the feed's primary key, never a sequential scan", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient
        for (const after of [0, 250]) {
          const plan = (yield* sql.unsafe<{ "QUERY PLAN": string }>(`EXPLAIN ${PgTaskRepository.CHANGES_AFTER}`, [
            userOf(7),
            after,
            101
          ])).map((row) => row["QUERY PLAN"]).join("\n")
          expect(plan).toMatch(/Index Scan using task_changes_pkey/)
          expect(plan).toMatch(/Index Cond: \(\(user_id = .*\) AND \("position" > /)
          expect(plan).not.toMatch(/Seq Scan on task_changes/)
        }
      }))
  })
})
