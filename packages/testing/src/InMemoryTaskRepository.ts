/** A `TaskRepository` kept in a Map: the reference semantics every real adapter is held to. */
import {
  type ChangeType,
  type FeedEntry,
  nextOccurrence,
  sortValueOf,
  TaskNotFound,
  TaskRepository,
  VersionMismatch,
  type PagePosition,
  type Task,
  type TaskDraft,
  type TaskId,
  type TaskListQuery,
  type UserId,
  type UserTaskCount
} from "@todo/core"
import { DateTime, Effect, Layer, Option } from "effect"

/** Code-point order, which is what PostgreSQL's `COLLATE "C"` gives for UTF-8. */
const compareText = (a: string, b: string): number => {
  const left = [...a]
  const right = [...b]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!
    if (diff !== 0) return diff
  }
  return left.length - right.length
}

const compareValues = (a: PagePosition["value"], b: PagePosition["value"]): number => {
  if (typeof a === "string" && typeof b === "string") return compareText(a, b)
  const left = a === null ? Infinity : Number(a)
  const right = b === null ? Infinity : Number(b)
  return left === right ? 0 : left < right ? -1 : 1
}

const comparePositions = (a: PagePosition, b: PagePosition): number => compareValues(a.value, b.value) || a.id - b.id

const matches = (task: Task, query: TaskListQuery): boolean => {
  if (query.status === "pending" && task.completed) return false
  if (query.status === "completed" && !task.completed) return false
  if (query.priority !== undefined && task.priority !== query.priority) return false
  if (query.q !== undefined) {
    const needle = query.q.toLowerCase()
    const inTitle = task.title.toLowerCase().includes(needle)
    const inDescription = task.description?.toLowerCase().includes(needle) ?? false
    if (!inTitle && !inDescription) return false
  }
  if (query.tag !== undefined) {
    const tag = query.tag.toLowerCase()
    if (!task.tags.some((candidate) => candidate.toLowerCase() === tag)) return false
  }
  if (query.due_before !== undefined || query.due_after !== undefined) {
    if (task.due_date === null) return false
    if (query.due_before !== undefined && DateTime.greaterThan(task.due_date, query.due_before)) return false
    if (query.due_after !== undefined && DateTime.lessThan(task.due_date, query.due_after)) return false
  }
  return true
}

const nextUpdatedAt = (previous: DateTime.Utc, at: DateTime.Utc): DateTime.Utc =>
  DateTime.max(at, DateTime.add(previous, { millis: 1 })) as DateTime.Utc

export const make = Effect.sync(() => {
  const tasks = new Map<number, Task>()
  const idempotencyKeys = new Map<string, TaskId>()
  const feeds = new Map<UserId, { head: number; entries: Array<FeedEntry> }>()
  /** Tasks whose `remind_at` has not been reminded since it was set. */
  const armed = new Set<TaskId>()
  let lastId = 0

  /** Every write below is synchronous, so each is atomic and its changes are recorded in commit order. */
  const record = (owner: UserId, type: ChangeType, task_id: TaskId, task: Task | null) => {
    const feed = feeds.get(owner) ?? { head: 0, entries: [] }
    feed.head++
    feed.entries.push({ position: feed.head, change: { type, task_id, task, at: DateTime.unsafeNow() } })
    feeds.set(owner, feed)
  }

  const owned = (owner: UserId, id: TaskId): Option.Option<Task> => {
    const task = tasks.get(id)
    return task !== undefined && task.user_id === owner ? Option.some(task) : Option.none()
  }

  const store = (owner: UserId, draft: TaskDraft): Task => {
    const task: Task = { ...draft, tags: [...draft.tags], id: ++lastId as TaskId, user_id: owner, next_occurrence_id: null }
    tasks.set(task.id, task)
    if (task.remind_at !== null) armed.add(task.id)
    return task
  }

  const sameMoment = (a: DateTime.Utc | null, b: DateTime.Utc | null) => a === null || b === null ? a === b : DateTime.Equivalence(a, b)

  /** Completing a recurring task stores its next occurrence, once. */
  const withNextOccurrence = (before: Task, after: Task, at: DateTime.Utc): Task => {
    if (before.completed || !after.completed || after.next_occurrence_id !== null) return after
    const draft = nextOccurrence(after, at)
    return draft === null ? after : { ...after, next_occurrence_id: store(after.user_id, draft).id }
  }

  const change = (owner: UserId, id: TaskId, apply: (task: Task) => Partial<Task>, at: DateTime.Utc) => {
    const found = owned(owner, id)
    if (Option.isNone(found)) return Effect.fail(new TaskNotFound({ id }))
    const updated: Task = {
      ...found.value,
      ...apply(found.value),
      updated_at: nextUpdatedAt(found.value.updated_at, at)
    }
    const completed = withNextOccurrence(found.value, updated, at)
    tasks.set(id, completed)
    if (!sameMoment(found.value.remind_at, completed.remind_at)) {
      if (completed.remind_at === null) armed.delete(id)
      else armed.add(id)
    }
    record(owner, "updated", id, completed)
    if (completed.next_occurrence_id !== found.value.next_occurrence_id) {
      const copy = tasks.get(completed.next_occurrence_id!)!
      record(owner, "created", copy.id, copy)
    }
    return Effect.succeed(completed)
  }

  return TaskRepository.of({
    insert: (owner, draft, idempotencyKey) =>
      Effect.sync(() => {
        const key = idempotencyKey === undefined ? undefined : `${owner}\u0000${idempotencyKey}`
        const earlier = key === undefined ? undefined : idempotencyKeys.get(key)
        const existing = earlier === undefined ? undefined : tasks.get(earlier)
        if (existing !== undefined) return existing
        const task = store(owner, draft)
        if (key !== undefined) idempotencyKeys.set(key, task.id)
        record(owner, "created", task.id, task)
        return task
      }),
    insertAll: (owner, drafts) =>
      Effect.sync(() => {
        const stored = drafts.map(({ next_occurrence_index: _, ...draft }) => store(owner, draft))
        drafts.forEach((draft, index) => {
          const next = draft.next_occurrence_index === null ? undefined : stored[draft.next_occurrence_index]
          if (next !== undefined) tasks.set(stored[index]!.id, { ...stored[index]!, next_occurrence_id: next.id })
        })
        stored.forEach(({ id }) => record(owner, "created", id, tasks.get(id)!))
        return drafts.length
      }),
    findById: (owner, id) => Effect.sync(() => owned(owner, id)),
    list: (owner, query) =>
      Effect.sync(() => {
        const direction = query.order === "asc" ? 1 : -1
        const positionOf = (task: Task): PagePosition => ({ value: sortValueOf(task, query.sort), id: task.id })
        return [...tasks.values()]
          .filter((task) => task.user_id === owner && matches(task, query))
          .filter((task) => query.after === undefined || direction * comparePositions(positionOf(task), query.after) > 0)
          .sort((a, b) => direction * comparePositions(positionOf(a), positionOf(b)))
          .slice(0, query.limit)
      }),
    update: (owner, id, patch, { at, expectedUpdatedAt }) =>
      Effect.suspend((): Effect.Effect<Task, TaskNotFound | VersionMismatch> => {
        const found = owned(owner, id)
        if (
          Option.isSome(found) && expectedUpdatedAt !== undefined &&
          !DateTime.Equivalence(found.value.updated_at, expectedUpdatedAt)
        ) {
          return Effect.fail(new VersionMismatch({ id }))
        }
        return change(owner, id, () =>
          Object.fromEntries(
            Object.entries(patch).filter(([, value]) => value !== undefined)
          ) as Partial<Task>, at)
      }),
    toggleCompleted: (owner, id, at) => Effect.suspend(() => change(owner, id, (task) => ({ completed: !task.completed }), at)),
    remove: (owner, id) =>
      Effect.suspend((): Effect.Effect<void, TaskNotFound> => {
        if (Option.isNone(owned(owner, id))) return Effect.fail(new TaskNotFound({ id }))
        tasks.delete(id)
        armed.delete(id)
        record(owner, "deleted", id, null)
        return Effect.void
      }),
    removeAllOf: (owner) =>
      Effect.sync(() => {
        let removed = 0
        for (const task of tasks.values()) {
          if (task.user_id === owner) {
            tasks.delete(task.id)
            armed.delete(task.id)
            record(owner, "deleted", task.id, null)
            removed++
          }
        }
        return removed
      }),
    emitDueReminders: (now, limit) =>
      Effect.sync(() => {
        const due = [...armed]
          .map((id) => tasks.get(id)!)
          .filter((task) => !task.completed && !DateTime.greaterThan(task.remind_at!, now))
          .sort((a, b) => DateTime.toEpochMillis(a.remind_at!) - DateTime.toEpochMillis(b.remind_at!) || a.id - b.id)
          .slice(0, limit)
        for (const task of due) {
          armed.delete(task.id)
          record(task.user_id, "reminder", task.id, task)
        }
        return due.map((task) => task.user_id)
      }),
    countByUser: Effect.sync(() => {
      const counts = new Map<UserId, { total: number; completed: number }>()
      for (const task of tasks.values()) {
        const count = counts.get(task.user_id) ?? { total: 0, completed: 0 }
        count.total++
        if (task.completed) count.completed++
        counts.set(task.user_id, count)
      }
      return [...counts.entries()]
        .map(([user_id, count]): UserTaskCount => ({ user_id, ...count }))
        .sort((a, b) => b.total - a.total || compareText(a.user_id, b.user_id))
    }),
    changesAfter: (owner, position, limit) =>
      Effect.sync(() => {
        const feed = feeds.get(owner) ?? { head: 0, entries: [] }
        return { entries: feed.entries.filter((entry) => entry.position > position).slice(0, limit), head: feed.head }
      }),
    dropChangesBefore: (before) =>
      Effect.sync(() => {
        let dropped = 0
        for (const feed of feeds.values()) {
          const kept = feed.entries.filter((entry) => !DateTime.lessThan(entry.change.at, before))
          dropped += feed.entries.length - kept.length
          feed.entries = kept
        }
        return dropped
      }),
    ping: Effect.void
  })
})

export const layer = Layer.effect(TaskRepository, make)
