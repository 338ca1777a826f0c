/**
 * The tools' JSON Schemas, derived from core's Schemas (the encoded side, what goes over the
 * wire), so a field core adds reaches the tools with no change here. Adjusted for MCP clients:
 * one self-contained object (references inlined: the protocol wants `"type": "object"` at the
 * top), none of Effect's generated titles, and a note for a language model on the fields it
 * knows of.
 */
import { JSONSchema, type Schema } from "effect"

type Json = { [key: string]: unknown }

export interface ObjectSchema {
  readonly [key: string]: unknown
  readonly type: "object"
  readonly properties?: Readonly<Record<string, object>>
  readonly required?: ReadonlyArray<string>
}

const DATE_TIME = "an RFC 3339 date-time with an offset (2026-01-31T17:00:00Z, 2026-01-31T18:00:00+01:00)"

/** What each field means, in words for a model; applied wherever a schema has the field. */
const NOTES: Readonly<Record<string, string>> = {
  id: "The task's id (a positive integer), as list_tasks or add_task returned it",
  user_id: "The owner's user id (always the signed-in user)",
  title: "What the task is: 1 to 200 characters, trimmed",
  description: "Longer notes, at most 1000 characters; null for none",
  completed: "Whether the task is done",
  priority: "How important the task is",
  tags: "Labels, at most 20, each 1 to 50 characters, unique regardless of case",
  due_date: `When the task is due: ${DATE_TIME}; null for none. Returned in UTC`,
  recurrence: "How the task repeats, as an RFC 5545 RRULE (FREQ=WEEKLY;BYDAY=MO; FREQ is DAILY, WEEKLY, MONTHLY or " +
    "YEARLY, with INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, COUNT or UNTIL); needs due_date; completing the task " +
    "creates its next occurrence; null for none",
  timezone: "The IANA time zone the task repeats in (Europe/Berlin), so that it stays at the same local time; null for UTC",
  remind_at: `When to remind the user: ${DATE_TIME}; null for none. Returned in UTC`,
  next_occurrence_id: "The id of the task created when this recurring task was completed; null until then (read-only)",
  created_at: "When the task was created (UTC)",
  updated_at: "When the task last changed (UTC)",
  status: "Which tasks: all (default), pending (not completed) or completed",
  q: "Text to find in the title or description, case-insensitively",
  tag: "Only tasks with this tag (case-insensitive)",
  due_before: `Only tasks due at or before this moment: ${DATE_TIME}`,
  due_after: `Only tasks due at or after this moment: ${DATE_TIME}`,
  sort: "The order's key; default created_at (created and updated are aliases)",
  order: "asc or desc (default)",
  limit: "How many tasks at most, 1 to 500; default 100",
  cursor: "The next_cursor of the previous page, with the same sort and order, to read the next page",
  tasks: "The tasks of this page",
  next_cursor: "Pass it as cursor to read the next page; null when this is the last page",
  deleted: "The id of the task that was deleted"
}

const DEFINITIONS = "#/$defs/"

const inline = (node: unknown, definitions: Json): unknown => {
  if (Array.isArray(node)) return node.map((item) => inline(item, definitions))
  if (typeof node !== "object" || node === null) return node
  const result: Json = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(DEFINITIONS)) {
      Object.assign(result, inline(definitions[value.slice(DEFINITIONS.length)], definitions))
    } else if (key === "properties") {
      result[key] = propertiesOf(value as Json, definitions)
    } else if (key !== "title") {
      result[key] = inline(value, definitions)
    }
  }
  return result
}

const propertiesOf = (properties: Json, definitions: Json): Json => {
  const result: Json = {}
  for (const [name, property] of Object.entries(properties)) {
    const schema = inline(property, definitions) as Json
    const note = NOTES[name]
    if (note !== undefined) schema["description"] = note
    result[name] = schema
  }
  return result
}

/** The JSON Schema of `schema`'s encoded side, as a tool's input or output schema. */
export const toolSchema = <A, I>(schema: Schema.Schema<A, I, never>): ObjectSchema => {
  const { $defs, $ref, $schema: _, ...rest } = JSONSchema.make(schema) as unknown as Json
  const root = typeof $ref === "string" ? { $ref, ...rest } : rest
  return inline(root, ($defs ?? {}) as Json) as ObjectSchema
}
