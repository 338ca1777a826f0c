/** A task as the CLI shows it: the contract's JSON, a table row, or a detailed listing. */
import { Task, versionOf } from "@todo/core"
import { DateTime, Effect, Schema } from "effect"
import { type Column, printFields, printJson, printLine, printTable } from "./Output.js"

export type TaskJson = typeof Task.Encoded

export const encodeTask: (task: Task) => TaskJson = Schema.encodeSync(Task)

const shortDate = (iso: string | null) => (iso === null ? "" : `${iso.slice(0, 16).replace("T", " ")}Z`)

const columns: ReadonlyArray<Column<TaskJson>> = [
  { header: "ID", cell: (task) => String(task.id) },
  { header: "DONE", cell: (task) => (task.completed ? "x" : "") },
  { header: "PRIORITY", cell: (task) => task.priority },
  { header: "DUE", cell: (task) => shortDate(task.due_date) },
  { header: "REPEATS", cell: (task) => task.recurrence ?? "" },
  { header: "ZONE", cell: (task) => task.timezone ?? "" },
  { header: "REMIND", cell: (task) => shortDate(task.remind_at) },
  { header: "NEXT", cell: (task) => (task.next_occurrence_id === null ? "" : String(task.next_occurrence_id)) },
  { header: "TITLE", cell: (task) => task.title },
  { header: "TAGS", cell: (task) => task.tags.join(", ") }
]

export const printTasks = (tasks: ReadonlyArray<Task>): Effect.Effect<void> =>
  tasks.length === 0 ? printLine("No tasks.") : printTable(columns, tasks.map(encodeTask))

/** A UTC time, and with a zone the same moment on that zone's clock: `2026-03-30T07:00:00.000Z (09:00 +02:00 …)`. */
const inZone = (utc: DateTime.Utc | null, zone: string | null): string => {
  if (utc === null) return "(none)"
  if (zone === null) return DateTime.formatIso(utc)
  const local = DateTime.formatIsoOffset(DateTime.unsafeMakeZoned(utc, { timeZone: zone }))
  return `${DateTime.formatIso(utc)} (${local.slice(0, 10)} ${local.slice(11, 16)} ${local.slice(-6)} in ${zone})`
}

export const printTask = (task: Task, options: { readonly json?: boolean | undefined }): Effect.Effect<void> => {
  const json = encodeTask(task)
  if (options.json) return printJson(json)
  return printFields([
    ["id", String(json.id)],
    ["user", json.user_id],
    ["title", json.title],
    ["description", json.description ?? "(none)"],
    ["completed", json.completed ? "yes" : "no"],
    ["priority", json.priority],
    ["tags", json.tags.length === 0 ? "(none)" : json.tags.join(", ")],
    ["due", inZone(task.due_date, task.timezone)],
    ["repeats", json.recurrence ?? "(no)"],
    ["time zone", json.timezone ?? "(none: UTC)"],
    ["remind", inZone(task.remind_at, task.timezone)],
    ["next occurrence", json.next_occurrence_id === null ? "(none)" : `task ${json.next_occurrence_id}`],
    ["created", json.created_at],
    ["updated", json.updated_at],
    ["version", versionOf(task)]
  ])
}
