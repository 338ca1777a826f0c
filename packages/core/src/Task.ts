/**
 * The task and its inputs, in the contract's own words (snake_case fields).
 * Every rule of API.md about a task's fields lives here, once.
 */
import { DateTime, ParseResult, Schema, Struct } from "effect"
import { daysInMonth, epochDayOf, MILLIS_PER_DAY } from "./CivilCalendar.js"
import { Recurrence } from "./RecurrenceRule.js"
import { ValidationFailed } from "./TaskErrors.js"
import { TimeZoneName } from "./TimeZone.js"

const codePoints = (text: string): number => {
  let count = 0
  for (const _ of text) count++
  return count
}

// With the `u` flag a surrogate in a class matches only when it is unpaired.
// eslint-disable-next-line no-control-regex -- U+0000 is what it is there to find
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u

/**
 * What text cannot hold if it is to be kept exactly as it was sent: U+0000, which PostgreSQL's
 * `text` cannot store; an unpaired surrogate, which UTF-8 cannot carry (it would come back as
 * U+FFFD); and a leading byte order mark, which the embedded database drops when it reads the
 * text back (trimmed fields lose it to trimming).
 */
const unstorable = (text: string): string | undefined => {
  if (text.charCodeAt(0) === 0xfeff) return "must not begin with a byte order mark (U+FEFF)"
  const at = text.search(UNSTORABLE)
  if (at === -1) return undefined
  return text.charCodeAt(at) === 0
    ? "must not contain the NUL character (U+0000)"
    : "must not contain an unpaired surrogate (U+D800 to U+DFFF are not characters on their own)"
}

export interface TextRules {
  /** Leading and trailing white space is dropped before the length is counted. */
  readonly trim?: boolean
  /** Lengths in Unicode code points. */
  readonly min?: number
  readonly max?: number
}

/**
 * The building block of every text field: text that can be stored exactly as it was sent, of
 * a length in code points within the bounds given.
 */
export const Text = ({ max = Infinity, min = 0, trim = false }: TextRules = {}): Schema.Schema<string> => {
  // JSON Schema counts a string's length in code points too.
  const lengths = { ...(min > 0 ? { minLength: min } : {}), ...(max < Infinity ? { maxLength: max } : {}) }
  const text = (trim ? Schema.Trim : Schema.String).pipe(Schema.filter((text) => {
    const refused = unstorable(text)
    if (refused !== undefined) return refused
    if (min === 0 && max === Infinity) return undefined
    const length = codePoints(text)
    if (length < min) return min === 1 ? "must not be empty" : `must be at least ${min} characters`
    if (length > max) return `must be at most ${max} characters`
    return undefined
  }, { jsonSchema: lengths }))
  // A document shows the text as sent (a string), not the trimming transformation Effect would name.
  return trim ? text.annotations({ jsonSchema: { type: "string", ...lengths } }) : text
}

/** Task ids are PostgreSQL `integer` identities: anything outside that range names no task. */
export const MAX_TASK_ID = 2_147_483_647

export const TaskId = Schema.Number.pipe(
  Schema.filter((id) => (Number.isInteger(id) && id >= 1 && id <= MAX_TASK_ID) || `must be a whole number from 1 to ${MAX_TASK_ID}`, {
    jsonSchema: { type: "integer", minimum: 1, maximum: MAX_TASK_ID }
  }),
  Schema.brand("TaskId")
).annotations({ title: "TaskId", description: "A task's id" })
export type TaskId = typeof TaskId.Type

/** Better Auth user ids are opaque strings: no UUID or number is assumed. */
export const UserId = Text({ min: 1, max: 255 }).pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

export const Priority = Schema.Literal("low", "medium", "high")
export type Priority = typeof Priority.Type

export const Title = Text({ trim: true, min: 1, max: 200 })
export const Description = Text({ max: 1000 })
export const Tag = Text({ trim: true, min: 1, max: 50 })

export const MAX_TAGS = 20

export const Tags = Schema.Array(Tag).pipe(
  Schema.filter((tags) => tags.length <= MAX_TAGS || `must hold at most ${MAX_TAGS} tags`, {
    jsonSchema: { maxItems: MAX_TAGS },
    description: `At most ${MAX_TAGS}, unique regardless of case`
  }),
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

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

/**
 * The instants a date-time may name, in epoch milliseconds: years 0001 to 9999 in UTC. RFC 3339
 * cannot write a later year, and PostgreSQL has no year 0 (it writes 1 BC).
 */
export const EARLIEST_DATE_TIME_MS = epochDayOf(1, 1, 1) * MILLIS_PER_DAY
export const LATEST_DATE_TIME_MS = epochDayOf(10_000, 1, 1) * MILLIS_PER_DAY - 1

const DAYS_RULE: Record<number, string> = {
  28: "February has 28 days, 29 in leap years",
  29: "February has 28 days, 29 in leap years",
  30: "April, June, September and November have 30 days",
  31: "days run from 01 to 31"
}

/** The instant `text` names in epoch milliseconds, or why it names none. */
const parseDateTime = (text: string): number | string => {
  const parts = RFC3339.exec(text)
  if (parts === null) return "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T17:00:00Z"
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const [fraction, sign, offsetHours, offsetMinutes] = parts.slice(7)
  if (month < 1 || month > 12) return "must be a date that exists: months run from 01 to 12"
  const days = daysInMonth(year, month)
  if (day < 1 || day > days) return `must be a date that exists: ${DAYS_RULE[days]}`
  if (hour > 23) return "must be a time that exists: hours run from 00 to 23"
  if (minute > 59) return "must be a time that exists: minutes run from 00 to 59"
  if (second > 59) return "must be a time that exists: seconds run from 00 to 59 (leap seconds are not accepted)"
  let offset = 0
  if (sign !== undefined) {
    if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return "must have an offset from -23:59 to +23:59"
    offset = (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000
  }
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"))
  const instant = epochDayOf(year, month, day) * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset
  if (instant < EARLIEST_DATE_TIME_MS || instant > LATEST_DATE_TIME_MS) {
    return "must fall within the years 0001 to 9999 in UTC"
  }
  return instant
}

/**
 * An RFC 3339 date-time that names its offset and a day and time that exist, as a UTC instant
 * (fractions of a second beyond milliseconds are dropped).
 */
export const DateTimeWithOffset: Schema.Schema<DateTime.Utc, string> = Schema.transformOrFail(
  Schema.String,
  Schema.DateTimeUtcFromSelf,
  {
    strict: true,
    decode: (text, _, ast) => {
      const instant = parseDateTime(text)
      return typeof instant === "string"
        ? ParseResult.fail(new ParseResult.Type(ast, text, instant))
        : ParseResult.succeed(DateTime.unsafeMake(instant))
    },
    encode: (dateTime) => ParseResult.succeed(DateTime.formatIso(dateTime))
  }
).annotations({
  jsonSchema: {
    type: "string",
    format: "date-time",
    description: "An RFC 3339 date-time with an offset (Z or ±hh:mm), e.g. 2026-01-31T17:00:00Z",
    examples: ["2026-01-31T17:00:00Z"]
  }
})

/** The instants a task holds, as it returns them: RFC 3339 in UTC with milliseconds. */
const UtcDateTime = Schema.DateTimeUtc.annotations({
  identifier: "DateTime",
  jsonSchema: { type: "string", format: "date-time", description: "An RFC 3339 date-time in UTC, e.g. 2026-01-31T17:00:00.000Z" }
})

export const Task = Schema.Struct({
  id: TaskId,
  user_id: UserId,
  title: Schema.String.annotations({ description: "1 to 200 characters" }),
  description: Schema.NullOr(Schema.String).annotations({ description: "At most 1000 characters" }),
  completed: Schema.Boolean,
  priority: Priority,
  tags: Schema.Array(Schema.String).annotations({ description: `At most ${MAX_TAGS}, each 1 to 50 characters` }),
  due_date: Schema.NullOr(UtcDateTime),
  created_at: UtcDateTime,
  updated_at: UtcDateTime,
  recurrence: Schema.NullOr(Schema.String).annotations({
    description: "An RFC 5545 RRULE value, upper-case; the series repeats from due_date"
  }),
  timezone: Schema.NullOr(Schema.String).annotations({
    description: "The IANA zone the task repeats in (its due_date's wall-clock time is kept there); null is UTC"
  }),
  remind_at: Schema.NullOr(UtcDateTime).annotations({ description: "When to remind, in UTC" }),
  next_occurrence_id: Schema.NullOr(TaskId).annotations({
    description: "Read-only: the task created when this occurrence was completed"
  })
}).annotations({ identifier: "Task", title: "Task", description: "A task, as every response carries it" })
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
  timezone: Schema.optional(
    Schema.NullOr(TimeZoneName.annotations({ jsonSchema: { examples: ["Europe/Berlin"] } })).annotations({
      description: "An IANA time zone name, such as Europe/Berlin, in which the task repeats; stored as sent; null is UTC"
    })
  ),
  remind_at: Schema.optional(
    Schema.NullOr(DateTimeWithOffset).annotations({
      description: "When to remind: an RFC 3339 date-time with an offset; a copy keeps its distance from due_date"
    })
  )
}

/** What the contract says of a body's other fields, in the document and in the schema alike. */
const IGNORED_FIELDS = "Fields the task does not have (user_id among them) are ignored"

/**
 * A body of `fields` that may carry others (the contract ignores them): decoded to `fields`
 * alone, with `check` run on the known fields and the names of the ignored ones.
 */
const ignoringOtherFields = <Fields extends Schema.Struct.Fields>(
  fields: Fields,
  check: (known: Schema.Struct.Type<Fields>, ignored: ReadonlyArray<string>) => ParseResult.ParseIssue | undefined
) => {
  const names = Object.keys(fields)
  const known = Schema.Struct(fields)
  return Schema.transformOrFail(
    Schema.Struct(fields, Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    Schema.typeSchema(known),
    {
      strict: false,
      decode: (body) => {
        const picked = Struct.pick(body, ...names) as Schema.Struct.Type<Fields>
        const issue = check(picked, Object.keys(body).filter((name) => !names.includes(name)))
        return issue === undefined ? ParseResult.succeed(picked) : ParseResult.fail(issue)
      },
      encode: ParseResult.succeed
    }
  )
}

/** A recurring task must have a due date: the issue is reported on `recurrence`. */
const recurrenceIssue = (task: { readonly recurrence?: string | null | undefined; readonly due_date?: unknown }) =>
  task.recurrence == null || task.due_date != null
    ? undefined
    : new ParseResult.Pointer("recurrence", task, new ParseResult.Type(Schema.Unknown.ast, task.recurrence, RECURRENCE_NEEDS_DUE_DATE))

/** What a caller may write when creating a task; anything else in the body is ignored. */
export const NewTask = ignoringOtherFields(newTaskFields, (task) => recurrenceIssue(task)).annotations({
  identifier: "NewTask",
  title: "NewTask",
  description: `A task to create: only title is required. ${IGNORED_FIELDS}.`
})
export type NewTask = typeof NewTask.Type

const patchFields = { title: Schema.optional(Title), ...Struct.omit(newTaskFields, "title") }

export const WRITABLE_FIELDS = Object.keys(patchFields) as ReadonlyArray<keyof typeof patchFields>

/**
 * A partial update: any non-empty subset of the writable fields; `null` clears. Whether a
 * recurrence keeps a due date also depends on the stored task: the use-case checks the rest.
 * A body with none of them names the fields it sent instead, which are ignored (a typo, often).
 */
export const TaskPatch = ignoringOtherFields(patchFields, (patch, ignored) => {
  if (WRITABLE_FIELDS.some((field) => patch[field] !== undefined)) return patch.due_date === null ? recurrenceIssue(patch) : undefined
  const named = ignored.slice(0, 5).map((name) => name.slice(0, 50)).join(", ") + (ignored.length > 5 ? ", …" : "")
  const unknown = ignored.length === 0 ? "" : `; fields the task does not have are ignored: ${named}`
  return new ParseResult.Type(Schema.Unknown.ast, patch, `must change at least one of: ${WRITABLE_FIELDS.join(", ")}${unknown}`)
}).annotations({
  identifier: "TaskUpdate",
  title: "TaskUpdate",
  description: `The fields to change, at least one; null clears a field. ${IGNORED_FIELDS}.`
})
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
