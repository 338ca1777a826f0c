/**
 * The task and its inputs, in the contract's own words (snake_case fields).
 * Every rule of API.md about a task's fields lives here, once.
 */
import { Schema, Struct } from "effect"
import { Recurrence } from "./RecurrenceRule.js"
import { ValidationFailed } from "./TaskErrors.js"
import { TimeZoneName } from "./TimeZone.js"

const codePoints = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

const lengthBetween = (min: number, max: number) => <A extends string, I, R>(self: Schema.Schema<A, I, R>) =>
  self.pipe(Schema.filter((text) => {
    const length = codePoints(text)
    if (length < min) return min === 1 ? "must not be empty" : `must be at least ${min} characters`
    if (length > max) return `must be at most ${max} characters`
    return undefined
  }))

/** Task ids are PostgreSQL `integer` identities: anything outside that range names no task. */
export const MAX_TASK_ID = 2_147_483_647

export const TaskId = Schema.Int.pipe(
  Schema.greaterThanOrEqualTo(1),
  Schema.lessThanOrEqualTo(MAX_TASK_ID),
  Schema.brand("TaskId")
)
export type TaskId = typeof TaskId.Type

/** Better Auth user ids are opaque strings: no UUID or number is assumed. */
export const UserId = Schema.String.pipe(
  Schema.filter((id) => (id.length >= 1 && id.length <= 255) || "must be 1 to 255 characters"),
  Schema.brand("UserId")
)
export type UserId = typeof UserId.Type

export const Priority = Schema.Literal("low", "medium", "high")
export type Priority = typeof Priority.Type

export const Title = Schema.Trim.pipe(lengthBetween(1, 200))
export const Description = Schema.String.pipe(lengthBetween(0, 1000))
export const Tag = Schema.Trim.pipe(lengthBetween(1, 50))

export const MAX_TAGS = 20

export const Tags = Schema.Array(Tag).pipe(
  Schema.filter((tags) => tags.length <= MAX_TAGS || `must hold at most ${MAX_TAGS} tags`),
  Schema.filter((tags) => {
    const seen = new Set<string>()
    for (const [index, tag] of tags.entries()) {
      const key = tag.toLowerCase()
      if (seen.has(key)) {
        return { path: [index], message: `duplicates another tag (tags are unique regardless of case)` }
      }
      seen.add(key)
    }
    return undefined
  })
)

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** An RFC 3339 date-time that names its offset, normalised to UTC. */
export const DateTimeWithOffset = Schema.String.pipe(
  Schema.filter((text) => RFC3339.test(text) || "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T17:00:00Z"),
  Schema.compose(Schema.DateTimeUtc)
)

export const Task = Schema.Struct({
  id: TaskId,
  user_id: UserId,
  title: Schema.String,
  description: Schema.NullOr(Schema.String),
  completed: Schema.Boolean,
  priority: Priority,
  tags: Schema.Array(Schema.String),
  due_date: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc,
  recurrence: Schema.NullOr(Schema.String).annotations({
    description: "An RFC 5545 RRULE value, upper-case; the series repeats from due_date"
  }),
  timezone: Schema.NullOr(Schema.String).annotations({
    description: "The IANA zone the task repeats in (its due_date's wall-clock time is kept there); null is UTC"
  }),
  remind_at: Schema.NullOr(Schema.DateTimeUtc).annotations({ description: "When to remind, in UTC" }),
  next_occurrence_id: Schema.NullOr(TaskId).annotations({
    description: "Read-only: the task created when this occurrence was completed"
  })
}).annotations({ identifier: "Task" })
export type Task = typeof Task.Type

const RECURRENCE_NEEDS_DUE_DATE = "needs a due_date: a series repeats from its due date"

/** A recurring task must have a due date: the issue is reported on `recurrence`. */
const recurrenceHasDueDate = <A extends { readonly recurrence?: string | null | undefined; readonly due_date?: unknown }>(
  task: A
) => task.recurrence == null || task.due_date != null || { path: ["recurrence"], message: RECURRENCE_NEEDS_DUE_DATE }

const newTaskFields = {
  title: Title,
  description: Schema.optional(Schema.NullOr(Description)),
  completed: Schema.optional(Schema.Boolean),
  priority: Schema.optional(Priority),
  tags: Schema.optional(Tags),
  due_date: Schema.optional(Schema.NullOr(DateTimeWithOffset)),
  recurrence: Schema.optional(Schema.NullOr(Recurrence)),
  timezone: Schema.optional(Schema.NullOr(TimeZoneName).annotations({
    description: "An IANA time zone name, such as Europe/Berlin, in which the task repeats; stored as sent; null is UTC"
  })),
  remind_at: Schema.optional(Schema.NullOr(DateTimeWithOffset).annotations({
    description: "When to remind: an RFC 3339 date-time with an offset; a copy keeps its distance from due_date"
  }))
}

/** What a caller may write when creating a task; anything else in the body is ignored. */
export const NewTask = Schema.Struct(newTaskFields).pipe(Schema.filter(recurrenceHasDueDate)).annotations({
  identifier: "NewTask"
})
export type NewTask = typeof NewTask.Type

const patchFields = { title: Schema.optional(Title), ...Struct.omit(newTaskFields, "title") }

export const WRITABLE_FIELDS = Object.keys(patchFields) as ReadonlyArray<keyof typeof patchFields>

/**
 * A partial update: any non-empty subset of the writable fields; `null` clears. Whether a
 * recurrence keeps a due date also depends on the stored task: the use-case checks the rest.
 */
export const TaskPatch = Schema.Struct(patchFields).pipe(
  Schema.filter((patch) =>
    !WRITABLE_FIELDS.some((field) => patch[field] !== undefined)
      ? `must change at least one of: ${WRITABLE_FIELDS.join(", ")}`
      : patch.due_date !== null || recurrenceHasDueDate(patch)
  )
).annotations({ identifier: "TaskPatch" })
export type TaskPatch = typeof TaskPatch.Type

/** Whether a task changed by `patch` still has a due date if it repeats. */
export const keepsDueDate = (task: Task, patch: TaskPatch): boolean => {
  const recurrence = patch.recurrence === undefined ? task.recurrence : patch.recurrence
  const dueDate = patch.due_date === undefined ? task.due_date : patch.due_date
  return recurrence === null || dueDate !== null
}

export const recurrenceNeedsDueDate = (): ValidationFailed => ValidationFailed.of("recurrence", RECURRENCE_NEEDS_DUE_DATE)

/**
 * A task as exported and imported again: its own timestamps kept, its owner ignored. Its `id`
 * only names it to the others in the same file: a `next_occurrence_id` naming one of them is
 * linked to that task's new id; one naming no task of the file is dropped.
 */
export const ImportedTask = Schema.Struct({
  ...newTaskFields,
  created_at: Schema.optional(DateTimeWithOffset),
  updated_at: Schema.optional(DateTimeWithOffset),
  id: Schema.optional(TaskId),
  next_occurrence_id: Schema.optional(Schema.NullOr(TaskId))
}).pipe(Schema.filter(recurrenceHasDueDate)).annotations({ identifier: "ImportedTask" })
export type ImportedTask = typeof ImportedTask.Type

/** The values a repository stores for a new task: everything but the id, the owner and what completing it sets. */
export type TaskDraft = Omit<Task, "id" | "user_id" | "next_occurrence_id">
