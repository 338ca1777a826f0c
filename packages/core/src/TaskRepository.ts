/**
 * The port every store implements. Every method is scoped to one owner; the use-cases
 * check ownership again on what comes back.
 */
import { Context, type DateTime, type Effect, type Option } from "effect"
import type { FeedSlice } from "./TaskChange.js"
import type { Task, TaskDraft, TaskId, TaskPatch, UserId } from "./Task.js"
import type { RepositoryUnavailable, TaskNotFound, VersionMismatch } from "./TaskErrors.js"
import type { TaskListQuery } from "./TaskQuery.js"

export interface UserTaskCount {
  readonly user_id: UserId
  readonly total: number
  readonly completed: number
}

export interface UpdateOptions {
  /** The moment of the change; `updated_at` becomes this, or 1 ms past its old value if that is later. */
  readonly at: DateTime.Utc
  /** Apply only while the task's `updated_at` is still this. */
  readonly expectedUpdatedAt?: DateTime.Utc | undefined
}

/** A task to import, and which other task of the same import (by position) is its next occurrence. */
export type ImportDraft = TaskDraft & { readonly next_occurrence_index: number | null }

/**
 * Completing: when `update` or `toggleCompleted` takes a task from not completed to completed,
 * and it repeats and has no `next_occurrence_id` yet, the same transaction stores
 * `nextOccurrence(task as completed, at)` (when the series goes on) and sets the task's
 * `next_occurrence_id` to it. A task gets at most one copy, ever, however many completions race.
 *
 * The change feed: every write records its changes in the same transaction, at the next
 * positions of the owner's feed (1, 2, 3…, no gap, in commit order): `created`, `updated` (with
 * the task as committed, once per task however many statements changed it) or `deleted`, and
 * for a completion that spawns, `updated` for the task and `created` for its copy. A write that
 * fails records nothing; an import records a `created` per task; a purge a `deleted` per task.
 */
export interface TaskRepositoryShape {
  /** With an idempotency key, a second insert under the same key returns the first task. */
  readonly insert: (
    owner: UserId,
    draft: TaskDraft,
    idempotencyKey?: string
  ) => Effect.Effect<Task, RepositoryUnavailable>
  /** All or nothing, in one transaction; nothing imported completes, so nothing spawns. */
  readonly insertAll: (
    owner: UserId,
    drafts: ReadonlyArray<ImportDraft>
  ) => Effect.Effect<number, RepositoryUnavailable>
  readonly findById: (owner: UserId, id: TaskId) => Effect.Effect<Option.Option<Task>, RepositoryUnavailable>
  /** At most `query.limit` tasks, in the query's total order, after `query.after`. */
  readonly list: (owner: UserId, query: TaskListQuery) => Effect.Effect<ReadonlyArray<Task>, RepositoryUnavailable>
  /** See completing, above. */
  readonly update: (
    owner: UserId,
    id: TaskId,
    patch: TaskPatch,
    options: UpdateOptions
  ) => Effect.Effect<Task, TaskNotFound | VersionMismatch | RepositoryUnavailable>
  /** Flips `completed` in one atomic step, so concurrent toggles all count (see completing, above). */
  readonly toggleCompleted: (
    owner: UserId,
    id: TaskId,
    at: DateTime.Utc
  ) => Effect.Effect<Task, TaskNotFound | RepositoryUnavailable>
  readonly remove: (owner: UserId, id: TaskId) => Effect.Effect<void, TaskNotFound | RepositoryUnavailable>
  readonly removeAllOf: (owner: UserId) => Effect.Effect<number, RepositoryUnavailable>
  /** The entries of `owner`'s feed after `position`, oldest first, at most `limit`, and its head: one snapshot. */
  readonly changesAfter: (owner: UserId, position: number, limit: number) => Effect.Effect<FeedSlice, RepositoryUnavailable>
  /** Drops every owner's changes committed before `before`, and counts them; safe from many processes at once. */
  readonly dropChangesBefore: (before: DateTime.Utc) => Effect.Effect<number, RepositoryUnavailable>
  /**
   * Records a `reminder` change (the task as it is) for at most `limit` tasks whose `remind_at`
   * is at or before `now`, not completed, and not yet reminded for this value of `remind_at`
   * (a task is armed when stored with a `remind_at` and whenever its `remind_at` changes to
   * another value); each task atomically with its change, never twice, however many processes
   * call at once. Returns the owner of each reminder emitted.
   */
  readonly emitDueReminders: (now: DateTime.Utc, limit: number) => Effect.Effect<ReadonlyArray<UserId>, RepositoryUnavailable>
  /** Every owner with their task counts, most tasks first (ties by user id). */
  readonly countByUser: Effect.Effect<ReadonlyArray<UserTaskCount>, RepositoryUnavailable>
  /** Succeeds when the store answers and its schema is current. */
  readonly ping: Effect.Effect<void, RepositoryUnavailable>
}

export class TaskRepository extends Context.Tag("@todo/core/TaskRepository")<TaskRepository, TaskRepositoryShape>() {}
