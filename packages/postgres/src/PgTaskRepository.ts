/**
 * The PostgreSQL adapter of `TaskRepository`. It needs only a `SqlClient`, so the same code
 * runs on a PostgreSQL server and on embedded PGlite.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import type { Fragment } from "@effect/sql/Statement"
import {
  PRIORITY_RANK,
  RepositoryUnavailable,
  type Priority,
  type SortKey,
  type Task,
  type TaskDraft,
  type TaskId,
  type TaskListQuery,
  TaskNotFound,
  type TaskPatch,
  TaskRepository,
  type UserId,
  VersionMismatch
} from "@todo/core"
import { Array as Arr, DateTime, Duration, Effect, Layer, Option, Ref } from "effect"
import { guarded, guardedSteps } from "./SqlFailure.js"
import { migrationStatus } from "./TaskMigrations.js"

interface TaskRow {
  readonly id: number
  readonly user_id: string
  readonly title: string
  readonly description: string | null
  readonly completed: boolean
  readonly priority: number
  readonly tags: ReadonlyArray<string>
  readonly due_date: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

const PRIORITY_OF_RANK: ReadonlyArray<Priority> = (Object.keys(PRIORITY_RANK) as Array<Priority>)
  .sort((a, b) => PRIORITY_RANK[a] - PRIORITY_RANK[b])

// Our own rows need no re-validation: build the domain value directly.
const toTask = (row: TaskRow): Task => ({
  id: row.id as TaskId,
  user_id: row.user_id as UserId,
  title: row.title,
  description: row.description,
  completed: row.completed,
  // The CHECK constraint keeps the rank within the table.
  priority: PRIORITY_OF_RANK[row.priority]!,
  tags: row.tags,
  due_date: row.due_date === null ? null : DateTime.unsafeMake(row.due_date),
  created_at: DateTime.unsafeMake(row.created_at),
  updated_at: DateTime.unsafeMake(row.updated_at)
})

const toDate = DateTime.toDateUtc

/** `%`, `_` and `\` in a search text match themselves. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * A slow or stuck database fails the operation instead of holding the caller: with the 3 s
 * connect timeout, no request waits more than about 5 s while the database is down. An
 * import is bounded per batch, so a large one is not cut short for its size.
 */
const OPERATION_TIMEOUT = Duration.seconds(5)
const guard = guarded(OPERATION_TIMEOUT)

/**
 * The list query as a statement, exported so its plan can be inspected: the sort key picks
 * an expression that matches one of the paging indexes exactly.
 */
export const listStatement = (owner: UserId, query: TaskListQuery) =>
  Effect.map(SqlClient, (sql) => {
    const sortExpression: Record<SortKey, Fragment> = {
      created_at: sql`created_at`,
      updated_at: sql`updated_at`,
      title: sql`(title COLLATE "C")`,
      due_date: sql`coalesce(due_date, 'infinity'::timestamptz)`,
      priority: sql`priority`
    }
    const sortValue = (value: string | number | null): Fragment => {
      switch (query.sort) {
        case "created_at":
        case "updated_at":
          return sql`${new Date(Number(value))}::timestamptz`
        case "due_date":
          return value === null ? sql`'infinity'::timestamptz` : sql`${new Date(Number(value))}::timestamptz`
        case "title":
          return sql`(${String(value)}::text COLLATE "C")`
        case "priority":
          return sql`${Number(value)}::smallint`
      }
    }
    const expression = sortExpression[query.sort]
    const ascending = query.order === "asc"
    const conditions: Array<Fragment> = [sql`user_id = ${owner}`]
    if (query.status !== "all") conditions.push(sql`completed = ${query.status === "completed"}`)
    if (query.q !== undefined && query.q !== "") {
      const pattern = containsPattern(query.q)
      conditions.push(sql`(title ILIKE ${pattern} ESCAPE '\\' OR description ILIKE ${pattern} ESCAPE '\\')`)
    }
    if (query.priority !== undefined) conditions.push(sql`priority = ${PRIORITY_RANK[query.priority]}`)
    if (query.tag !== undefined) {
      conditions.push(sql`EXISTS (SELECT FROM unnest(tags) AS tag WHERE lower(tag) = lower(${query.tag}))`)
    }
    if (query.due_before !== undefined) conditions.push(sql`due_date <= ${toDate(query.due_before)}`)
    if (query.due_after !== undefined) conditions.push(sql`due_date >= ${toDate(query.due_after)}`)
    if (query.after !== undefined) {
      const position = sql`(${sortValue(query.after.value)}, ${query.after.id}::integer)`
      conditions.push(ascending ? sql`(${expression}, id) > ${position}` : sql`(${expression}, id) < ${position}`)
    }
    const direction = ascending ? sql`ASC` : sql`DESC`
    return sql<TaskRow>`
      SELECT id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at
      FROM tasks
      WHERE ${sql.and(conditions)}
      ORDER BY ${expression} ${direction}, id ${direction}
      LIMIT ${query.limit}`
  })

export const layer: Layer.Layer<TaskRepository, never, SqlClient> = Layer.effect(
  TaskRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const columns = sql`id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at`
    const provideSql = Effect.provideService(SqlClient, sql)

    const rowOf = (owner: UserId, draft: TaskDraft) => ({
      user_id: owner,
      title: draft.title,
      description: draft.description,
      completed: draft.completed,
      priority: PRIORITY_RANK[draft.priority],
      tags: draft.tags,
      due_date: draft.due_date === null ? null : toDate(draft.due_date),
      created_at: toDate(draft.created_at),
      updated_at: toDate(draft.updated_at)
    })

    const firstTask = (rows: ReadonlyArray<TaskRow>) => Option.map(Arr.head(rows), toTask)

    const findRow = (owner: UserId, id: TaskId) =>
      sql<TaskRow>`SELECT ${columns} FROM tasks WHERE id = ${id} AND user_id = ${owner}`.pipe(
        Effect.map(firstTask)
      )

    const nextUpdatedAt = (at: DateTime.Utc) =>
      sql`updated_at = greatest(${toDate(at)}::timestamptz, updated_at + interval '1 millisecond')`

    const insert = (owner: UserId, draft: TaskDraft, idempotencyKey?: string) =>
      Effect.gen(function*() {
        if (idempotencyKey === undefined) {
          const [row] = yield* sql<TaskRow>`INSERT INTO tasks ${sql.insert(rowOf(owner, draft))} RETURNING ${columns}`
          return toTask(row!)
        }
        const inserted = yield* sql<TaskRow>`
          INSERT INTO tasks ${sql.insert({ ...rowOf(owner, draft), idempotency_key: idempotencyKey })}
          ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
          RETURNING ${columns}`
        if (inserted[0] !== undefined) return toTask(inserted[0])
        // The conflicting insert has committed (ON CONFLICT waited for it), so a new statement sees it.
        const [existing] = yield* sql<TaskRow>`
          SELECT ${columns} FROM tasks WHERE user_id = ${owner} AND idempotency_key = ${idempotencyKey}`
        if (existing === undefined) {
          return yield* new RepositoryUnavailable({ reason: "the task stored under this idempotency key vanished" })
        }
        return toTask(existing)
      }).pipe(guard, Effect.withSpan("PgTaskRepository.insert"))

    // Bounded so that a large import stays under PostgreSQL's 65535 parameters per statement.
    const INSERT_BATCH = 1000

    const insertAll = (owner: UserId, drafts: ReadonlyArray<TaskDraft>) =>
      guardedSteps(OPERATION_TIMEOUT)((batchDone) =>
        sql.withTransaction(
          Effect.forEach(
            Arr.chunksOf(drafts, INSERT_BATCH),
            (batch) =>
              Effect.zipRight(sql`INSERT INTO tasks ${sql.insert(batch.map((draft) => rowOf(owner, draft)))}`, batchDone),
            { discard: true }
          )
        )
      ).pipe(Effect.as(drafts.length), Effect.withSpan("PgTaskRepository.insertAll"))

    const findById = (owner: UserId, id: TaskId) =>
      findRow(owner, id).pipe(guard, Effect.withSpan("PgTaskRepository.findById"))

    const list = (owner: UserId, query: TaskListQuery) =>
      listStatement(owner, query).pipe(
        Effect.flatMap((statement) => statement),
        Effect.map((rows) => rows.map(toTask)),
        provideSql,
        guard,
        Effect.withSpan("PgTaskRepository.list")
      )

    const patchAssignments = (patch: TaskPatch): Array<Fragment> => {
      const assignments: Array<Fragment> = []
      if (patch.title !== undefined) assignments.push(sql`title = ${patch.title}`)
      if (patch.description !== undefined) assignments.push(sql`description = ${patch.description}`)
      if (patch.completed !== undefined) assignments.push(sql`completed = ${patch.completed}`)
      if (patch.priority !== undefined) assignments.push(sql`priority = ${PRIORITY_RANK[patch.priority]}`)
      if (patch.tags !== undefined) assignments.push(sql`tags = ${patch.tags}::text[]`)
      if (patch.due_date !== undefined) {
        assignments.push(sql`due_date = ${patch.due_date === null ? null : toDate(patch.due_date)}::timestamptz`)
      }
      return assignments
    }

    const update = (
      owner: UserId,
      id: TaskId,
      patch: TaskPatch,
      options: { readonly at: DateTime.Utc; readonly expectedUpdatedAt?: DateTime.Utc | undefined }
    ) =>
      Effect.gen(function*() {
        const conditions = [sql`id = ${id}`, sql`user_id = ${owner}`]
        if (options.expectedUpdatedAt !== undefined) {
          conditions.push(sql`updated_at = ${toDate(options.expectedUpdatedAt)}::timestamptz`)
        }
        const [row] = yield* sql<TaskRow>`
          UPDATE tasks SET ${sql.csv([...patchAssignments(patch), nextUpdatedAt(options.at)])}
          WHERE ${sql.and(conditions)}
          RETURNING ${columns}`
        if (row !== undefined) return toTask(row)
        if (options.expectedUpdatedAt !== undefined && Option.isSome(yield* findRow(owner, id))) {
          return yield* new VersionMismatch({ id })
        }
        return yield* new TaskNotFound({ id })
      }).pipe(guard, Effect.withSpan("PgTaskRepository.update"))

    const toggleCompleted = (owner: UserId, id: TaskId, at: DateTime.Utc) =>
      sql<TaskRow>`
        UPDATE tasks SET completed = NOT completed, ${nextUpdatedAt(at)}
        WHERE id = ${id} AND user_id = ${owner}
        RETURNING ${columns}`.pipe(
        Effect.map(firstTask),
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(new TaskNotFound({ id })),
          onSome: Effect.succeed
        })),
        guard,
        Effect.withSpan("PgTaskRepository.toggleCompleted")
      )

    const remove = (owner: UserId, id: TaskId) =>
      sql`DELETE FROM tasks WHERE id = ${id} AND user_id = ${owner} RETURNING id`.pipe(
        Effect.flatMap((rows) => rows.length === 0 ? Effect.fail(new TaskNotFound({ id })) : Effect.void),
        guard,
        Effect.withSpan("PgTaskRepository.remove")
      )

    const removeAllOf = (owner: UserId) =>
      sql<{ removed: number }>`
        WITH removed AS (DELETE FROM tasks WHERE user_id = ${owner} RETURNING 1)
        SELECT count(*)::integer AS removed FROM removed`.pipe(
        Effect.map(([row]) => row?.removed ?? 0),
        guard,
        Effect.withSpan("PgTaskRepository.removeAllOf")
      )

    const countByUser = sql<{ user_id: UserId; total: number; completed: number }>`
      SELECT user_id, count(*)::integer AS total, (count(*) FILTER (WHERE completed))::integer AS completed
      FROM tasks
      GROUP BY user_id
      ORDER BY total DESC, user_id COLLATE "C"`.pipe(guard, Effect.withSpan("PgTaskRepository.countByUser"))

    // A schema seen current stays current (migrations only add), so later pings are one round trip.
    const schemaCurrent = yield* Ref.make(false)
    const checkSchema = migrationStatus.pipe(
      provideSql,
      Effect.flatMap(({ pending }) =>
        pending.length === 0
          ? Ref.set(schemaCurrent, true)
          : Effect.fail(
            new RepositoryUnavailable({ reason: `the database schema is not current (${pending.length} pending)` })
          )
      )
    )
    const ping = Effect.flatMap(
      Ref.get(schemaCurrent),
      (current) => (current ? sql`SELECT 1`.pipe(Effect.asVoid, guard) : checkSchema.pipe(guard))
    ).pipe(Effect.withSpan("PgTaskRepository.ping"))

    return TaskRepository.of({
      insert,
      insertAll,
      findById,
      list,
      update,
      toggleCompleted,
      remove,
      removeAllOf,
      countByUser,
      ping
    })
  })
)
