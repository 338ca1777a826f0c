/**
 * The PostgreSQL adapter of `TaskRepository`. It needs a `SqlClient` and the `Statements` run
 * over it, so the same code runs on a PostgreSQL server and on embedded PGlite.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import {
  type ChangeType,
  type FeedEntry,
  type ImportDraft,
  nextOccurrence,
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
import { Array as Arr, DateTime, Effect, Layer, Option, Ref } from "effect"
import { guarded, guardedSteps } from "./SqlFailure.js"
import { STATEMENT_TIMEOUT, Statements } from "./Statements.js"
import { migrationStatus } from "./TaskMigrations.js"
import { parseTimestamptz } from "./Timestamptz.js"

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
  readonly recurrence: string | null
  readonly timezone: string | null
  readonly remind_at: Date | null
  readonly next_occurrence_id: number | null
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
  updated_at: DateTime.unsafeMake(row.updated_at),
  recurrence: row.recurrence,
  timezone: row.timezone,
  remind_at: row.remind_at === null ? null : DateTime.unsafeMake(row.remind_at),
  next_occurrence_id: row.next_occurrence_id as TaskId | null
})

export type TaskImage = Omit<TaskRow, "due_date" | "created_at" | "updated_at" | "remind_at"> & {
  readonly due_date: string | null
  readonly created_at: string
  readonly updated_at: string
  readonly remind_at: string | null
}

export interface ChangeRow {
  readonly head: string | null
  readonly position: string | null
  readonly type: ChangeType
  readonly task_id: number
  readonly task: TaskImage | null
  readonly at: Date
}

/** A task as `to_jsonb` wrote it when its change was recorded. */
export const taskOfImage = (image: TaskImage): Task =>
  toTask({
    ...image,
    due_date: image.due_date === null ? null : parseTimestamptz(image.due_date),
    created_at: parseTimestamptz(image.created_at),
    updated_at: parseTimestamptz(image.updated_at),
    remind_at: image.remind_at === null ? null : parseTimestamptz(image.remind_at)
  })

const toEntry = (row: ChangeRow): FeedEntry => ({
  position: Number(row.position),
  change: {
    type: row.type,
    task_id: row.task_id as TaskId,
    task: row.task === null ? null : taskOfImage(row.task),
    at: DateTime.unsafeMake(row.at)
  }
})

const toDate = DateTime.toDateUtc
const toDateOrNull = (dateTime: DateTime.Utc | null) => (dateTime === null ? null : toDate(dateTime))

/** `%`, `_` and `\` in a search text match themselves. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** The operations that are not one request's statements get the same bound; an import gets it per batch. */
const guard = guarded(STATEMENT_TIMEOUT)

const COLUMNS =
  "id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at, recurrence, timezone, remind_at, next_occurrence_id"

/**
 * `statement`, a write of tasks, with the change of each task it returns recorded: one
 * statement, so atomic without a transaction.
 */
const recorded = (type: "created" | "updated", statement: string) =>
  `WITH t AS (${statement} RETURNING ${COLUMNS})
   SELECT t.*, record_task_change(t.user_id, '${type}', t.id, to_jsonb(t)) AS position FROM t`

/** The change of a task as it is now, within a transaction that wrote it: `$1` its id, `$2` the change's type. */
const RECORD_STORED = `SELECT record_task_change(t.user_id, $2, t.id, to_jsonb(t))
  FROM (SELECT ${COLUMNS} FROM tasks WHERE id = $1) t`

const RECORD_DELETED = "record_task_change(t.user_id, 'deleted', t.id, NULL)"

/** One snapshot: the feed's head and the changes after a position (`$2`), at most `$3`; exported for its plan. */
export const CHANGES_AFTER = `
  SELECT feed.head, c.position, c.type, c.task_id, c.task, c.at
  FROM (SELECT $1::text AS user_id) AS owner
  LEFT JOIN task_feeds AS feed ON feed.user_id = owner.user_id
  LEFT JOIN LATERAL (
    SELECT position, type, task_id, task, at FROM task_changes
    WHERE user_id = owner.user_id AND position > $2
    ORDER BY position
    LIMIT $3
  ) AS c ON true
  ORDER BY c.position`

/**
 * Claims at most `$2` armed tasks due at `$1` (skipping those another process holds), disarms
 * them and records their reminders, in one statement. A task another process reminded and
 * committed meanwhile is re-checked under its lock and left out. Changes are recorded in owner
 * order, so two of these never wait on each other's feed rows in a cycle. The claimed ids are
 * an array so that the update finds them by primary key, however many tasks are armed.
 */
const EMIT_REMINDERS = `
  WITH due AS (
    SELECT id FROM tasks
    WHERE reminder_due AND NOT completed AND remind_at <= $1
    ORDER BY remind_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), t AS (
    UPDATE tasks SET reminder_due = false WHERE id = ANY(ARRAY(SELECT id FROM due))
    RETURNING ${COLUMNS}
  )
  SELECT r.user_id, record_task_change(r.user_id, 'reminder', r.id, to_jsonb(r)) AS position
  FROM (SELECT * FROM t ORDER BY user_id, id) AS r`

/** The reminder poll as a statement, exported so its plan can be inspected. */
export const emitRemindersStatement = (now: DateTime.Utc, limit: number) =>
  Effect.map(SqlClient, (sql) => sql.unsafe<{ user_id: UserId }>(EMIT_REMINDERS, [toDate(now), limit]))

/** How many old changes one statement drops: short transactions, whatever the backlog. */
const DROP_BATCH = 5_000

const SORT_EXPRESSION: Record<SortKey, string> = {
  created_at: "created_at",
  updated_at: "updated_at",
  title: `(title COLLATE "C")`,
  due_date: "coalesce(due_date, 'infinity'::timestamptz)",
  priority: "priority"
}

/**
 * The list query as SQL text and parameters. Written as plain strings rather than statement
 * fragments: it runs on most requests, and composing fragments cost more than the query.
 */
const listSql = (owner: UserId, query: TaskListQuery): readonly [string, ReadonlyArray<unknown>] => {
  const params: Array<unknown> = [owner]
  const param = (value: unknown) => `$${params.push(value)}`
  let where = "user_id = $1"
  if (query.status !== "all") where += ` AND completed = ${param(query.status === "completed")}`
  if (query.q !== undefined && query.q !== "") {
    const pattern = param(containsPattern(query.q))
    where += ` AND (title ILIKE ${pattern} ESCAPE '\\' OR description ILIKE ${pattern} ESCAPE '\\')`
  }
  if (query.priority !== undefined) where += ` AND priority = ${param(PRIORITY_RANK[query.priority])}`
  if (query.tag !== undefined) {
    where += ` AND EXISTS (SELECT FROM unnest(tags) AS tag WHERE lower(tag) = lower(${param(query.tag)}))`
  }
  if (query.due_before !== undefined) where += ` AND due_date <= ${param(toDate(query.due_before))}`
  if (query.due_after !== undefined) where += ` AND due_date >= ${param(toDate(query.due_after))}`
  const expression = SORT_EXPRESSION[query.sort]
  const ascending = query.order === "asc"
  if (query.after !== undefined) {
    const { id, value } = query.after
    const sortValue = query.sort === "title"
      ? `(${param(String(value))}::text COLLATE "C")`
      : query.sort === "priority"
      ? `${param(Number(value))}::smallint`
      : value === null
      ? "'infinity'::timestamptz"
      : `${param(new Date(Number(value)))}::timestamptz`
    where += ` AND (${expression}, id) ${ascending ? ">" : "<"} (${sortValue}, ${param(id)}::integer)`
  }
  const direction = ascending ? "ASC" : "DESC"
  return [
    `SELECT ${COLUMNS} FROM tasks WHERE ${where} ORDER BY ${expression} ${direction}, id ${direction} LIMIT ${param(query.limit)}`,
    params
  ]
}

/**
 * The list query as a statement, exported so its plan can be inspected: the sort key picks
 * an expression that matches one of the paging indexes exactly.
 */
export const listStatement = (owner: UserId, query: TaskListQuery) =>
  Effect.map(SqlClient, (sql) => sql.unsafe<TaskRow>(...listSql(owner, query)))

export const layer: Layer.Layer<TaskRepository, never, SqlClient | Statements> = Layer.effect(
  TaskRepository,
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const { rows } = yield* Statements
    const provideSql = Effect.provideService(SqlClient, sql)

    const firstTask = (rows: ReadonlyArray<TaskRow>) => Option.map(Arr.head(rows), toTask)

    // The statements of every request are fixed text with parameters, prepared here once.
    const findRow = (owner: UserId, id: TaskId) =>
      Effect.map(rows<TaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [id, owner]), firstTask)

    const INSERT = `INSERT INTO tasks
      (user_id, title, description, completed, priority, tags, due_date, created_at, updated_at, recurrence, timezone,
       remind_at, idempotency_key)
      VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10, $11, $12, $13)`

    /** The owner, the draft's values, and `last`: the idempotency key of a create, the next occurrence of an import. */
    const insertParams = (owner: UserId, draft: TaskDraft, last: string | number | null) => [
      owner,
      draft.title,
      draft.description,
      draft.completed,
      PRIORITY_RANK[draft.priority],
      draft.tags,
      toDateOrNull(draft.due_date),
      toDate(draft.created_at),
      toDate(draft.updated_at),
      draft.recurrence,
      draft.timezone,
      toDateOrNull(draft.remind_at),
      last
    ]

    const insert = (owner: UserId, draft: TaskDraft, idempotencyKey?: string) =>
      Effect.gen(function*() {
        if (idempotencyKey === undefined) {
          const [row] = yield* rows<TaskRow>(recorded("created", INSERT), insertParams(owner, draft, null))
          return toTask(row!)
        }
        const inserted = yield* rows<TaskRow>(
          recorded(
            "created",
            `${INSERT} ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`
          ),
          insertParams(owner, draft, idempotencyKey)
        )
        if (inserted[0] !== undefined) return toTask(inserted[0])
        // The conflicting insert has committed (ON CONFLICT waited for it), so a new statement sees it.
        const [existing] = yield* rows<TaskRow>(
          `SELECT ${COLUMNS} FROM tasks WHERE user_id = $1 AND idempotency_key = $2`,
          [owner, idempotencyKey]
        )
        if (existing === undefined) {
          return yield* new RepositoryUnavailable({ reason: "the task stored under this idempotency key vanished" })
        }
        return toTask(existing)
      })

    // Bounded so that a large import stays under PostgreSQL's 65535 parameters per statement.
    const INSERT_BATCH = 1000
    const IMPORTED_COLUMNS = 14

    const importStatement = (rows: number) => {
      const values = Array.from({ length: rows }, (_, row) => {
        const placeholders = Array.from({ length: IMPORTED_COLUMNS }, (_, column) => `$${row * IMPORTED_COLUMNS + column + 1}`)
        placeholders[6] += "::text[]"
        return `(${placeholders.join(", ")})`
      })
      return `WITH t AS (
        INSERT INTO tasks (id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at,
          recurrence, timezone, remind_at, next_occurrence_id)
        OVERRIDING SYSTEM VALUE VALUES ${values.join(", ")}
        RETURNING ${COLUMNS})
        SELECT count(record_task_change(t.user_id, 'created', t.id, to_jsonb(t))) FROM t`
    }

    // Ids are taken from the sequence first, so that a task can name another of the same import as its next occurrence.
    const insertAll = (owner: UserId, drafts: ReadonlyArray<ImportDraft>) =>
      guardedSteps(STATEMENT_TIMEOUT)((stepDone) =>
        sql.withTransaction(Effect.gen(function*() {
          const ids = (yield* sql.unsafe<{ id: number }>(
            "SELECT nextval(pg_get_serial_sequence('tasks', 'id'))::integer AS id FROM generate_series(1, $1)",
            [drafts.length]
          )).map((row) => row.id)
          yield* stepDone
          yield* Effect.forEach(
            Arr.chunksOf(drafts.map((draft, index) => [draft, ids[index]!] as const), INSERT_BATCH),
            (batch) =>
              sql.unsafe(
                importStatement(batch.length),
                batch.flatMap(([draft, id]) => [
                  id,
                  ...insertParams(owner, draft, draft.next_occurrence_index === null ? null : ids[draft.next_occurrence_index]!)
                ])
              ).pipe(Effect.zipRight(stepDone)),
            { discard: true }
          )
        }))
      ).pipe(Effect.as(drafts.length), Effect.withSpan("PgTaskRepository.insertAll"))

    const list = (owner: UserId, query: TaskListQuery) => Effect.map(rows<TaskRow>(...listSql(owner, query)), (found) => found.map(toTask))

    // The first three parameters of an update: id, owner and its time.
    const NEXT_UPDATED_AT = "updated_at = greatest($3::timestamptz, updated_at + interval '1 millisecond')"

    const notSpawning = (repeats: string) => ` AND NOT (NOT completed AND ${repeats} AND next_occurrence_id IS NULL)`

    const patchAssignments = (patch: TaskPatch, params: Array<unknown>): string => {
      let assignments = ""
      const assign = (column: string, value: unknown, cast = "") => {
        assignments += `${column} = $${params.push(value)}${cast}, `
      }
      if (patch.title !== undefined) assign("title", patch.title)
      if (patch.description !== undefined) assign("description", patch.description)
      if (patch.completed !== undefined) assign("completed", patch.completed)
      if (patch.priority !== undefined) assign("priority", PRIORITY_RANK[patch.priority])
      if (patch.tags !== undefined) assign("tags", patch.tags, "::text[]")
      if (patch.due_date !== undefined) assign("due_date", toDateOrNull(patch.due_date), "::timestamptz")
      if (patch.recurrence !== undefined) assign("recurrence", patch.recurrence)
      if (patch.timezone !== undefined) assign("timezone", patch.timezone)
      if (patch.remind_at !== undefined) assign("remind_at", toDateOrNull(patch.remind_at), "::timestamptz")
      return assignments
    }

    /**
     * A write to one task. The common case is one statement; when the write may complete the
     * task, that statement leaves alone a task it would complete while that task repeats and has
     * no next occurrence yet: such a task (and one not found) takes the locked path, where the
     * copy is made.
     */
    const write = (
      owner: UserId,
      id: TaskId,
      change: {
        /** The UPDATE, up to its WHERE clause's end, without a version check. */
        readonly statement: string
        /** Whether the task repeats once written, in SQL, when the write may complete it. */
        readonly repeats: string | null
        readonly params: Array<unknown>
      },
      options: { readonly at: DateTime.Utc; readonly expectedUpdatedAt?: DateTime.Utc | undefined }
    ): Effect.Effect<Task, TaskNotFound | VersionMismatch | RepositoryUnavailable> => {
      const { params, repeats, statement } = change
      let where = ""
      if (options.expectedUpdatedAt !== undefined) {
        where += ` AND updated_at = $${params.push(toDate(options.expectedUpdatedAt))}::timestamptz`
      }
      if (repeats !== null) where += notSpawning(repeats)
      return Effect.flatMap(rows<TaskRow>(recorded("updated", `${statement}${where}`), params), ([row]) => {
        if (row !== undefined) return Effect.succeed(toTask(row))
        if (repeats !== null) return completeLocked(owner, id, statement, params, options)
        if (options.expectedUpdatedAt === undefined) return Effect.fail(new TaskNotFound({ id }))
        return Effect.flatMap(
          findRow(owner, id),
          (found) => Effect.fail(Option.isSome(found) ? new VersionMismatch({ id }) : new TaskNotFound({ id }))
        )
      })
    }

    /** The task locked, changed, and, when this completes it, its next occurrence stored and linked, in one transaction. */
    const completeLocked = (
      owner: UserId,
      id: TaskId,
      statement: string,
      params: ReadonlyArray<unknown>,
      options: { readonly at: DateTime.Utc; readonly expectedUpdatedAt?: DateTime.Utc | undefined }
    ) =>
      sql.withTransaction(Effect.gen(function*() {
        const [before] = yield* sql.unsafe<TaskRow>(
          `SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2 FOR UPDATE`,
          [id, owner]
        )
        if (before === undefined) return yield* new TaskNotFound({ id })
        const expected = options.expectedUpdatedAt
        if (expected !== undefined && before.updated_at.getTime() !== DateTime.toEpochMillis(expected)) {
          return yield* new VersionMismatch({ id })
        }
        // The expected version, if any, is the last parameter, and this statement does not use it.
        const [row] = yield* sql.unsafe<TaskRow>(
          `${statement} RETURNING ${COLUMNS}`,
          expected === undefined ? params : params.slice(0, -1)
        )
        const after = toTask(row!)
        const draft = before.completed || !after.completed || after.next_occurrence_id !== null
          ? null
          : nextOccurrence(after, options.at)
        if (draft === null) {
          yield* sql.unsafe(RECORD_STORED, [id, "updated"])
          return after
        }
        const [copy] = yield* sql.unsafe<{ id: number }>(`${INSERT} RETURNING id`, insertParams(owner, draft, null))
        const [linked] = yield* sql.unsafe<TaskRow>(
          `UPDATE tasks SET next_occurrence_id = $3 WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
          [id, owner, copy!.id]
        )
        yield* sql.unsafe(RECORD_STORED, [id, "updated"])
        yield* sql.unsafe(RECORD_STORED, [copy!.id, "created"])
        return toTask(linked!)
      })).pipe(guard)

    const update = (
      owner: UserId,
      id: TaskId,
      patch: TaskPatch,
      options: { readonly at: DateTime.Utc; readonly expectedUpdatedAt?: DateTime.Utc | undefined }
    ) => {
      const params: Array<unknown> = [id, owner, toDate(options.at)]
      const statement = `UPDATE tasks SET ${patchAssignments(patch, params)}${NEXT_UPDATED_AT} WHERE id = $1 AND user_id = $2`
      const repeats = patch.completed !== true || patch.recurrence === null
        ? null
        : patch.recurrence === undefined
        ? "recurrence IS NOT NULL"
        : "true"
      return write(owner, id, { statement, repeats, params }, options)
    }

    const TOGGLE = `UPDATE tasks SET completed = NOT completed, ${NEXT_UPDATED_AT} WHERE id = $1 AND user_id = $2`

    const toggleCompleted = (owner: UserId, id: TaskId, at: DateTime.Utc) =>
      write(owner, id, { statement: TOGGLE, repeats: "recurrence IS NOT NULL", params: [id, owner, toDate(at)] }, { at }).pipe(
        Effect.catchTag("VersionMismatch", Effect.die)
      )

    const remove = (owner: UserId, id: TaskId) =>
      rows(`WITH t AS (DELETE FROM tasks WHERE id = $1 AND user_id = $2 RETURNING id, user_id) SELECT ${RECORD_DELETED} FROM t`, [
        id,
        owner
      ]).pipe(
        Effect.flatMap((deleted) => deleted.length === 0 ? Effect.fail(new TaskNotFound({ id })) : Effect.void)
      )

    const removeAllOf = (owner: UserId) =>
      sql<{ removed: number }>`
        WITH t AS (DELETE FROM tasks WHERE user_id = ${owner} RETURNING id, user_id)
        SELECT count(${sql.literal(RECORD_DELETED)})::integer AS removed FROM t`.pipe(
        Effect.map(([row]) => row?.removed ?? 0),
        guard,
        Effect.withSpan("PgTaskRepository.removeAllOf")
      )

    const countByUser = sql<{ user_id: UserId; total: number; completed: number }>`
      SELECT user_id, count(*)::integer AS total, (count(*) FILTER (WHERE completed))::integer AS completed
      FROM tasks
      GROUP BY user_id
      ORDER BY total DESC, user_id COLLATE "C"`.pipe(guard, Effect.withSpan("PgTaskRepository.countByUser"))

    const changesAfter = (owner: UserId, position: number, limit: number) =>
      Effect.map(rows<ChangeRow>(CHANGES_AFTER, [owner, position, limit]), (found) => ({
        head: Number(found[0]?.head ?? 0),
        entries: found.filter((row) => row.position !== null).map(toEntry)
      }))

    const emitDueReminders = (now: DateTime.Utc, limit: number) =>
      Effect.map(rows<{ user_id: UserId }>(EMIT_REMINDERS, [toDate(now), limit]), (emitted) => emitted.map((row) => row.user_id))

    const dropBatch = (before: DateTime.Utc) =>
      sql<{ dropped: number }>`
        WITH dropped AS (
          DELETE FROM task_changes WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM task_changes WHERE at < ${toDate(before)} LIMIT ${DROP_BATCH}
          ))
          RETURNING 1
        )
        SELECT count(*)::integer AS dropped FROM dropped`.pipe(Effect.map(([row]) => row?.dropped ?? 0), guard)

    const dropChangesBefore = (before: DateTime.Utc): Effect.Effect<number, RepositoryUnavailable> =>
      Effect.flatMap(
        dropBatch(before),
        (dropped) => dropped < DROP_BATCH ? Effect.succeed(dropped) : Effect.map(dropChangesBefore(before), (more) => dropped + more)
      )

    // A schema seen current stays current (migrations only add), so later pings are one round trip.
    const schemaCurrent = yield* Ref.make(false)
    const checkSchema = migrationStatus.pipe(
      provideSql,
      // Readiness: a schema that cannot be read is not ready, whatever the reason.
      Effect.catchTag("MigrationFailed", (error) => Effect.fail(new RepositoryUnavailable({ reason: error.reason }))),
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
      findById: findRow,
      list,
      update,
      toggleCompleted,
      remove,
      removeAllOf,
      countByUser,
      changesAfter,
      emitDueReminders,
      dropChangesBefore: (before) => dropChangesBefore(before).pipe(Effect.withSpan("PgTaskRepository.dropChangesBefore")),
      ping
    })
  })
)
