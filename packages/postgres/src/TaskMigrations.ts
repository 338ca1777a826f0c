/**
 * The schema, as numbered migrations kept inside the bundle, and the two operations the
 * hosts need: apply what is pending, and report what is applied and what is not.
 */
import * as Migrator from "@effect/sql/Migrator"
import { SqlClient } from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { RepositoryUnavailable } from "@todo/core"
import { Effect, Option, Schema } from "effect"
import { classify, serverMessageOf } from "./SqlFailure.js"

const createTasks = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`
    CREATE TABLE tasks (
      id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id text NOT NULL,
      title text NOT NULL,
      description text,
      completed boolean NOT NULL DEFAULT false,
      priority smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2),
      tags text[] NOT NULL DEFAULT '{}',
      due_date timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      idempotency_key text
    )`
  yield* sql`
    CREATE UNIQUE INDEX tasks_user_idempotency_key ON tasks (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL`
})

// One index per sort key, each ending in id: a page is a range scan of one user's slice.
const pagingIndexes = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`CREATE INDEX tasks_user_created_at ON tasks (user_id, created_at, id)`
  yield* sql`CREATE INDEX tasks_user_updated_at ON tasks (user_id, updated_at, id)`
  yield* sql`CREATE INDEX tasks_user_title ON tasks (user_id, (title COLLATE "C"), id)`
  yield* sql`CREATE INDEX tasks_user_due_date ON tasks (user_id, (coalesce(due_date, 'infinity'::timestamptz)), id)`
  yield* sql`CREATE INDEX tasks_user_priority ON tasks (user_id, priority, id)`
})

/**
 * Recurring tasks. `next_occurrence_id` references no row on purpose: it stays set when the copy
 * is deleted, so that a task never spawns a second one. The table's rows all have no recurrence
 * yet, so the check needs no scan.
 */
const recurrence = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`
    ALTER TABLE tasks
      ADD COLUMN recurrence text,
      ADD COLUMN timezone text,
      ADD COLUMN remind_at timestamptz,
      ADD COLUMN next_occurrence_id integer,
      ADD CONSTRAINT tasks_recurrence_needs_due_date CHECK (recurrence IS NULL OR due_date IS NOT NULL) NOT VALID`
})

/**
 * The change feed. A user's next position is taken by incrementing their row of `task_feeds`,
 * whose lock the writing transaction holds until it commits: the positions of one user's changes
 * have no gap (a rolled-back write gives its number back) and follow commit order (a second
 * writer waits for the first to commit before it takes the next number). A global sequence
 * would not do: a later number can commit first, and a reader past it would skip the earlier.
 * The notification is sent at commit, to wake the readers of every process.
 */
/** The channel `record_task_change` notifies at commit, with the owner as the payload. */
export const CHANGES_CHANNEL = "task_changes"

const changeFeed = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`CREATE TABLE task_feeds (user_id text PRIMARY KEY, head bigint NOT NULL)`
  yield* sql`
    CREATE TABLE task_changes (
      user_id text NOT NULL,
      position bigint NOT NULL,
      type text NOT NULL CHECK (type IN ('created', 'updated', 'deleted', 'reminder')),
      task_id integer NOT NULL,
      task jsonb,
      at timestamptz NOT NULL DEFAULT statement_timestamp(),
      PRIMARY KEY (user_id, position)
    )`
  // Changes are appended in time order, so a block range index finds the old ones for a fraction of a b-tree's upkeep.
  yield* sql`CREATE INDEX task_changes_at ON task_changes USING brin (at)`
  yield* sql.unsafe(`
    CREATE FUNCTION record_task_change(owner text, kind text, changed_id integer, image jsonb) RETURNS bigint
    LANGUAGE plpgsql AS $$
    DECLARE
      next_position bigint;
    BEGIN
      INSERT INTO task_feeds AS feed (user_id, head) VALUES (owner, 1)
        ON CONFLICT (user_id) DO UPDATE SET head = feed.head + 1
        RETURNING head INTO next_position;
      INSERT INTO task_changes (user_id, position, type, task_id, task) VALUES (owner, next_position, kind, changed_id, image);
      PERFORM pg_notify('${CHANGES_CHANNEL}', owner);
      RETURN next_position;
    END
    $$`)
})

/**
 * Reminders. A task is armed (`reminder_due`) when stored with a `remind_at` and whenever its
 * `remind_at` changes to another value, by a trigger, so every write path (create, update,
 * import, the next occurrence) arms it alike; emitting a reminder disarms it. The partial index
 * holds only the armed tasks not completed, so the poll reads a few index entries, never the
 * table. Tasks that had a `remind_at` before are armed: what fell due meanwhile is emitted.
 */
const reminders = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`ALTER TABLE tasks ADD COLUMN reminder_due boolean NOT NULL DEFAULT false`
  yield* sql.unsafe(`
    CREATE FUNCTION arm_task_reminder() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.remind_at IS DISTINCT FROM OLD.remind_at THEN
        NEW.reminder_due := NEW.remind_at IS NOT NULL;
      END IF;
      RETURN NEW;
    END
    $$`)
  yield* sql`
    CREATE TRIGGER tasks_arm_reminder BEFORE INSERT OR UPDATE OF remind_at ON tasks
    FOR EACH ROW EXECUTE FUNCTION arm_task_reminder()`
  yield* sql`UPDATE tasks SET reminder_due = true WHERE remind_at IS NOT NULL`
  yield* sql`CREATE INDEX tasks_reminders_due ON tasks (remind_at) WHERE reminder_due AND NOT completed`
})

/**
 * Webhooks: a durable outbox. While `webhook_settings.enabled` is on (each API process sets it at
 * start from WEBHOOK_URL), every change `record_task_change` inserts also gets a delivery, by a
 * trigger, in the same transaction, so whatever writes (an API process, todo-admin) a committed
 * change is delivered and a rolled-back one is not. A setting in the database, read by a trigger,
 * rather than a second function: every writer keeps calling the one function, and a process
 * without webhooks configured records no deliveries that nobody would send. `next_attempt_at` is also the lease of a claimed delivery.
 */
const webhooks = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`
    CREATE TABLE webhook_settings (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      enabled boolean NOT NULL
    )`
  yield* sql`INSERT INTO webhook_settings (enabled) VALUES (false)`
  yield* sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id text NOT NULL,
      type text NOT NULL,
      task_id integer NOT NULL,
      task jsonb,
      at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT statement_timestamp(),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT statement_timestamp(),
      failed_at timestamptz,
      last_error text
    )`
  yield* sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE failed_at IS NULL`
  yield* sql`CREATE INDEX webhook_deliveries_created_at ON webhook_deliveries (created_at)`
  yield* sql.unsafe(`
    CREATE FUNCTION queue_webhook_delivery() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT enabled FROM webhook_settings) THEN
        INSERT INTO webhook_deliveries (user_id, type, task_id, task, at) VALUES (NEW.user_id, NEW.type, NEW.task_id, NEW.task, NEW.at);
      END IF;
      RETURN NULL;
    END
    $$`)
  yield* sql`
    CREATE TRIGGER task_changes_webhook AFTER INSERT ON task_changes
    FOR EACH ROW EXECUTE FUNCTION queue_webhook_delivery()`
})

/** Keys are `<number>_<name>`; never renumber or edit one that has shipped, add the next. */
export const MIGRATIONS: Record<string, Effect.Effect<void, SqlError, SqlClient>> = {
  "0001_create_tasks": createTasks,
  "0002_paging_indexes": pagingIndexes,
  "0003_recurrence": recurrence,
  "0004_change_feed": changeFeed,
  "0005_reminders": reminders,
  "0006_webhooks": webhooks
}

const TABLE = "effect_sql_migrations"
const loader = Migrator.fromRecord(MIGRATIONS)
const runMigrator = Migrator.make({})({ loader, table: TABLE })

const nameOf = (id: number, name: string) => `${String(id).padStart(4, "0")}_${name}`

/**
 * The schema could not be migrated, or its migrations read, for a reason other than the database
 * being unavailable (a privilege missing, a table in the way): retrying will not help, an
 * operator must act.
 */
export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}

/**
 * A database unable to serve is `RepositoryUnavailable` (start-up retries it); anything else is
 * `MigrationFailed`, with the server's own words: a migration carries no request data.
 */
const migrationFailure = (doing: string) => (error: SqlError | Migrator.MigrationError): RepositoryUnavailable | MigrationFailed => {
  const sqlError = error instanceof SqlError ? error : error.cause instanceof SqlError ? error.cause : undefined
  if (sqlError === undefined) return new MigrationFailed({ reason: `${doing}: ${error.message}` })
  const classified = classify(sqlError.cause)
  if (classified instanceof RepositoryUnavailable) return classified
  const step = error instanceof SqlError ? "" : `${error.message}: `
  return new MigrationFailed({ reason: `${doing}: ${step}${serverMessageOf(sqlError.cause)}` })
}

const applyFailure = migrationFailure("migrations could not be applied")

/**
 * Applies the pending migrations and returns their names. Safe when several processes start
 * at once: the migrator creates its table outside any lock, so the whole run holds a
 * transaction-scoped advisory lock and creates that table itself first.
 */
export const migrate: Effect.Effect<ReadonlyArray<string>, RepositoryUnavailable | MigrationFailed, SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient
    const applied = yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(7468021733)`
      yield* sql`
        CREATE TABLE IF NOT EXISTS ${sql(TABLE)} (
          migration_id integer primary key,
          created_at timestamp with time zone not null default now(),
          name text not null
        )`
      return yield* runMigrator
    }))
    return applied.map(([id, name]) => nameOf(id, name))
  }
).pipe(
  Effect.mapError(applyFailure),
  Effect.catchSomeDefect((defect) =>
    defect instanceof Migrator.MigrationError || defect instanceof SqlError
      ? Option.some(Effect.fail(applyFailure(defect)))
      : Option.none()
  ),
  Effect.withSpan("TaskMigrations.migrate")
)

export interface MigrationStatus {
  readonly applied: ReadonlyArray<string>
  readonly pending: ReadonlyArray<string>
}

export const migrationStatus: Effect.Effect<MigrationStatus, RepositoryUnavailable | MigrationFailed, SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient
    const [table] = yield* sql<{ present: boolean }>`SELECT to_regclass(${TABLE}) IS NOT NULL AS present`
    const rows = table?.present
      ? yield* sql<{ migration_id: number; name: string }>`
          SELECT migration_id, name FROM ${sql(TABLE)} ORDER BY migration_id`
      : []
    const appliedIds = new Set(rows.map((row) => row.migration_id))
    const known = yield* loader
    return {
      applied: rows.map((row) => nameOf(row.migration_id, row.name)),
      pending: known.filter(([id]) => !appliedIds.has(id)).map(([id, name]) => nameOf(id, name))
    }
  }
).pipe(Effect.mapError(migrationFailure("the applied migrations could not be read")))
