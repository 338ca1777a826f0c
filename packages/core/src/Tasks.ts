/** The use-cases, one service shared by every host. Each takes the acting user. */
import { Chunk, Context, DateTime, Effect, Either, Layer, Option, Stream } from "effect"
import { decodeCursor, encodeCursor } from "./Cursor.js"
import {
  type ImportedTask,
  keepsDueDate,
  type NewTask,
  recurrenceNeedsDueDate,
  type Task,
  type TaskDraft,
  type TaskId,
  type TaskPatch,
  type UserId
} from "./Task.js"
import { ChangeSignal } from "./ChangeSignal.js"
import { TaskNotFound, VersionMismatch, type RepositoryUnavailable, type ValidationFailed } from "./TaskErrors.js"
import type { TaskListParams, TaskListQuery } from "./TaskQuery.js"
import { TaskRepository, type UserTaskCount } from "./TaskRepository.js"

export interface TaskPage {
  readonly tasks: ReadonlyArray<Task>
  /** Present when more tasks follow; pass it back as `cursor` with the same sort and order. */
  readonly next_cursor: string | null
}

export interface TaskStats {
  readonly users: number
  readonly tasks: number
  readonly completed: number
  readonly pending: number
  readonly largest_users: ReadonlyArray<UserTaskCount>
}

/** The version of a task, as an `ETag` carries it: its `updated_at`, which moves on every change. */
export const versionOf = (task: Task): string => String(DateTime.toEpochMillis(task.updated_at))

const LARGEST_USERS_SHOWN = 10
const EXPORT_PAGE_SIZE = 500

export class Tasks extends Context.Tag("@todo/core/Tasks")<Tasks, {
  readonly create: (
    actor: UserId,
    input: NewTask,
    options?: { readonly idempotencyKey?: string | undefined }
  ) => Effect.Effect<Task, RepositoryUnavailable>
  readonly get: (actor: UserId, id: TaskId) => Effect.Effect<Task, TaskNotFound | RepositoryUnavailable>
  readonly list: (
    actor: UserId,
    params: TaskListParams
  ) => Effect.Effect<TaskPage, ValidationFailed | RepositoryUnavailable>
  readonly update: (
    actor: UserId,
    id: TaskId,
    patch: TaskPatch,
    options?: { readonly expectedVersion?: string | undefined }
  ) => Effect.Effect<Task, TaskNotFound | VersionMismatch | ValidationFailed | RepositoryUnavailable>
  readonly setCompleted: (
    actor: UserId,
    id: TaskId,
    completed: boolean
  ) => Effect.Effect<Task, TaskNotFound | RepositoryUnavailable>
  readonly toggleCompleted: (actor: UserId, id: TaskId) => Effect.Effect<Task, TaskNotFound | RepositoryUnavailable>
  readonly remove: (actor: UserId, id: TaskId) => Effect.Effect<void, TaskNotFound | RepositoryUnavailable>
  readonly importAll: (
    actor: UserId,
    tasks: ReadonlyArray<ImportedTask>
  ) => Effect.Effect<number, RepositoryUnavailable>
  readonly exportAll: (actor: UserId) => Stream.Stream<Task, RepositoryUnavailable>
  readonly purge: (actor: UserId) => Effect.Effect<number, RepositoryUnavailable>
  readonly users: Effect.Effect<ReadonlyArray<UserTaskCount>, RepositoryUnavailable>
  readonly stats: Effect.Effect<TaskStats, RepositoryUnavailable>
}>() {
  static readonly layer = Layer.effect(
    Tasks,
    Effect.gen(function*() {
      const repository = yield* TaskRepository
      const signal = yield* ChangeSignal
      /** After a write of `actor`'s tasks commits: live readers of their feed read again. */
      const raised = (actor: UserId) => <A, E, R>(write: Effect.Effect<A, E, R>) => Effect.tap(write, () => signal.raise(actor))

      // Defence in depth: a task that comes back for another owner is treated as absent.
      const ownedBy = (actor: UserId, id: TaskId) => (task: Task) =>
        task.user_id === actor ? Effect.succeed(task) : Effect.fail(new TaskNotFound({ id }))

      const draftOf = (input: NewTask | ImportedTask, now: DateTime.Utc): TaskDraft => ({
        title: input.title,
        description: input.description ?? null,
        completed: input.completed ?? false,
        priority: input.priority ?? "medium",
        tags: input.tags ?? [],
        due_date: input.due_date ?? null,
        recurrence: input.recurrence ?? null,
        timezone: input.timezone ?? null,
        remind_at: input.remind_at ?? null,
        created_at: ("created_at" in input && input.created_at) || now,
        updated_at: ("updated_at" in input && input.updated_at) || now
      })

      // Untraced: no tracer is installed in any host, and Effect.fn's span plus the call-site
      // stack it captures cost more per call (~30 µs) than the use-case itself.
      const create = Effect.fnUntraced(function* create(
        actor: UserId,
        input: NewTask,
        options?: { readonly idempotencyKey?: string | undefined }
      ) {
        const now = yield* DateTime.now
        return yield* repository.insert(actor, draftOf(input, now), options?.idempotencyKey).pipe(raised(actor))
      })

      const get = Effect.fnUntraced(function* get(actor: UserId, id: TaskId) {
        const found = yield* repository.findById(actor, id)
        if (Option.isNone(found)) return yield* new TaskNotFound({ id })
        return yield* ownedBy(actor, id)(found.value)
      })

      const list = Effect.fnUntraced(function* list(actor: UserId, params: TaskListParams) {
        const after = params.cursor === undefined
          ? undefined
          : yield* Either.match(decodeCursor(params.cursor, params.sort, params.order), {
            onLeft: Effect.fail,
            onRight: Effect.succeed
          })
        // Not a spread: a spread plus new fields, on every list, made V8 keep them past a scavenge.
        const query: TaskListQuery = Object.assign({}, params, { limit: params.limit + 1, after })
        const found = yield* repository.list(actor, query)
        const tasks = found.slice(0, params.limit)
        if (tasks.some((task) => task.user_id !== actor)) {
          return yield* Effect.dieMessage("the repository listed another owner's task")
        }
        const last = tasks[tasks.length - 1]
        const next_cursor = found.length > params.limit && last !== undefined
          ? encodeCursor(last, params.sort, params.order)
          : null
        return { tasks, next_cursor } satisfies TaskPage
      })

      const update = Effect.fnUntraced(function* update(
        actor: UserId,
        id: TaskId,
        patch: TaskPatch,
        options?: { readonly expectedVersion?: string | undefined }
      ) {
        const at = yield* DateTime.now
        const expectedUpdatedAt = options?.expectedVersion === undefined
          ? undefined
          : versionToDateTime(options.expectedVersion)
        if (expectedUpdatedAt === null) {
          // A version we never issued cannot match: report it as the mismatch it is.
          yield* get(actor, id)
          return yield* new VersionMismatch({ id })
        }
        const task = dependsOnStoredTask(patch)
          ? yield* updateKeepingDueDate(actor, id, patch, at, expectedUpdatedAt).pipe(raised(actor))
          : yield* repository.update(actor, id, patch, { at, expectedUpdatedAt }).pipe(raised(actor))
        return yield* ownedBy(actor, id)(task)
      })

      // Read, check, and write only that version: a write in between is retried, unless the
      // caller named a version of their own.
      const updateKeepingDueDate = (
        actor: UserId,
        id: TaskId,
        patch: TaskPatch,
        at: DateTime.Utc,
        expectedUpdatedAt: DateTime.Utc | undefined
      ) =>
        Effect.gen(function*() {
          const stored = yield* get(actor, id)
          if (expectedUpdatedAt !== undefined && !DateTime.Equivalence(stored.updated_at, expectedUpdatedAt)) {
            return yield* new VersionMismatch({ id })
          }
          if (!keepsDueDate(stored, patch)) return yield* recurrenceNeedsDueDate()
          return yield* repository.update(actor, id, patch, { at, expectedUpdatedAt: stored.updated_at })
        }).pipe(Effect.retry({ while: (error) => error._tag === "VersionMismatch" && expectedUpdatedAt === undefined }))

      const setCompleted = Effect.fnUntraced(function* setCompleted(actor: UserId, id: TaskId, completed: boolean) {
        const at = yield* DateTime.now
        const task = yield* repository.update(actor, id, { completed }, { at }).pipe(
          Effect.catchTag("VersionMismatch", Effect.die),
          raised(actor)
        )
        return yield* ownedBy(actor, id)(task)
      })

      const toggleCompleted = Effect.fnUntraced(function* toggleCompleted(actor: UserId, id: TaskId) {
        const at = yield* DateTime.now
        const task = yield* repository.toggleCompleted(actor, id, at).pipe(raised(actor))
        return yield* ownedBy(actor, id)(task)
      })

      const remove = Effect.fnUntraced(function* remove(actor: UserId, id: TaskId) {
        yield* repository.remove(actor, id).pipe(raised(actor))
      })

      const importAll = Effect.fnUntraced(function* importAll(actor: UserId, tasks: ReadonlyArray<ImportedTask>) {
        const now = yield* DateTime.now
        const positions = new Map<number, number>()
        tasks.forEach((task, index) => {
          if (task.id !== undefined && !positions.has(task.id)) positions.set(task.id, index)
        })
        return yield* repository.insertAll(
          actor,
          tasks.map((task, index) => {
            const next = task.next_occurrence_id == null ? undefined : positions.get(task.next_occurrence_id)
            return { ...draftOf(task, now), next_occurrence_index: next === undefined || next === index ? null : next }
          })
        ).pipe(raised(actor))
      })

      const exportAll = (actor: UserId): Stream.Stream<Task, RepositoryUnavailable> =>
        Stream.paginateChunkEffect(undefined as string | undefined, (cursor) =>
          list(actor, {
            status: "all",
            sort: "created_at",
            order: "asc",
            limit: EXPORT_PAGE_SIZE,
            cursor
          }).pipe(
            Effect.map((page) => [Chunk.fromIterable(page.tasks), Option.fromNullable(page.next_cursor)] as const),
            // Our own cursors always decode: a failure here is a bug, not bad input.
            Effect.catchTag("ValidationFailed", Effect.die)
          ))

      const purge = Effect.fnUntraced(function* purge(actor: UserId) {
        return yield* repository.removeAllOf(actor).pipe(raised(actor))
      })

      const users = repository.countByUser.pipe(Effect.withSpan("Tasks.users"))

      const stats = users.pipe(
        Effect.map((counts): TaskStats => {
          const tasks = counts.reduce((sum, user) => sum + user.total, 0)
          const completed = counts.reduce((sum, user) => sum + user.completed, 0)
          return {
            users: counts.length,
            tasks,
            completed,
            pending: tasks - completed,
            largest_users: counts.slice(0, LARGEST_USERS_SHOWN)
          }
        }),
        Effect.withSpan("Tasks.stats")
      )

      return {
        create,
        get,
        list,
        update,
        setCompleted,
        toggleCompleted,
        remove,
        importAll,
        exportAll,
        purge,
        users,
        stats
      }
    })
  )
}

/** Whether the patch alone cannot tell that a recurring task keeps its due date. */
const dependsOnStoredTask = (patch: TaskPatch): boolean =>
  (patch.recurrence != null && patch.due_date === undefined) || (patch.due_date === null && patch.recurrence === undefined)

const versionToDateTime = (version: string): DateTime.Utc | null => {
  if (!/^\d{1,15}$/.test(version)) return null
  return Option.getOrNull(DateTime.make(Number(version)))
}
