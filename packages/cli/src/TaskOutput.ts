/** A task as the CLI shows it: the contract's JSON, a table row, or a detailed listing. */
import { Task, versionOf } from "@todo/core"
import { Effect, Schema } from "effect"
import { type Column, printFields, printJson, printLine, printTable } from "./Output.js"

export type TaskJson = typeof Task.Encoded

export const encodeTask: (task: Task) => TaskJson = Schema.encodeSync(Task)

const shortDate = (iso: string | null) => (iso === null ? "" : `${iso.slice(0, 16).replace("T", " ")}Z`)

const columns: ReadonlyArray<Column<TaskJson>> = [
  { header: "ID", cell: (task) => String(task.id) },
  { header: "DONE", cell: (task) => (task.completed ? "x" : "") },
  { header: "PRIORITY", cell: (task) => task.priority },
  { header: "DUE", cell: (task) => shortDate(task.due_date) },
  { header: "TITLE", cell: (task) => task.title },
  { header: "TAGS", cell: (task) => task.tags.join(", ") }
]

export const printTasks = (tasks: ReadonlyArray<Task>): Effect.Effect<void> =>
  tasks.length === 0 ? printLine("No tasks.") : printTable(columns, tasks.map(encodeTask))

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
    ["due", json.due_date ?? "(none)"],
    ["created", json.created_at],
    ["updated", json.updated_at],
    ["version", versionOf(task)]
  ])
}
