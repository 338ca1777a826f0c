/**
 * The six task tools: what a model is told about each, the schemas of its arguments and result
 * (derived from core's), and what it runs: one core use-case, for the acting user. Arguments are
 * decoded by core's Schemas, so every rule, and every message, is the REST API's.
 */
import {
  NewTask,
  PageLimit,
  DEFAULT_LIMIT,
  Task,
  TaskId,
  TaskListParams,
  TaskNotFound,
  TaskPatch,
  Tasks,
  type TaskError,
  type UserId,
  validate
} from "@todo/core"
import { Effect, Schema } from "effect"
import { type ObjectSchema, toolSchema } from "./ToolSchemas.js"

export interface TaskTool {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly annotations: { readonly readOnlyHint?: boolean; readonly destructiveHint?: boolean; readonly idempotentHint?: boolean }
  readonly inputSchema: ObjectSchema
  readonly outputSchema: ObjectSchema
  /** The result as JSON (`structuredContent`), or the failure to tell the model about. */
  readonly run: (user: UserId, args: Readonly<Record<string, unknown>>) => Effect.Effect<unknown, TaskError, Tasks>
}

const IdArguments = Schema.Struct({ id: TaskId })

const isTaskId = Schema.is(TaskId)
const decodeId = validate(IdArguments)

/** As on the REST routes, a number that cannot be a task id names no task (the same answer as a missing one). */
const taskIdOf = (args: Readonly<Record<string, unknown>>): Effect.Effect<TaskId, TaskError> => {
  const id = args["id"]
  if (typeof id === "number" && !isTaskId(id)) return Effect.fail(new TaskNotFound({ id }))
  return Effect.map(decodeId(args), (decoded) => decoded.id)
}

/** The list query with `limit` as the number a tool call carries, not the text of a query string. */
const ListArguments = Schema.Struct({
  ...TaskListParams.fields,
  limit: Schema.optionalWith(PageLimit, { default: () => DEFAULT_LIMIT })
})

const UpdateArguments = Schema.Struct({ ...IdArguments.fields, ...TaskPatch.from.fields })

const CompleteArguments = Schema.Struct({ ...IdArguments.fields, completed: NewTask.from.fields.completed })

const TaskPage = Schema.Struct({ tasks: Schema.Array(Task), next_cursor: Schema.NullOr(Schema.String) })

const Deleted = Schema.Struct({ deleted: TaskId })

const encodeTask = Schema.encodeSync(Task)
const encodePage = Schema.encodeSync(TaskPage)

const decodeNewTask = validate(NewTask)
const decodeList = validate(ListArguments)
const decodePatch = validate(TaskPatch)
const decodeComplete = validate(CompleteArguments)

/** The id names the task: it is not one of the fields to change. */
const fieldsOf = ({ id: _id, ...fields }: Readonly<Record<string, unknown>>) => fields

const withTasks = <A, E>(use: (tasks: Tasks["Type"]) => Effect.Effect<A, E>) => Effect.flatMap(Tasks, use)

const TASK_SCHEMA = toolSchema(Task)

const FIELDS_HELP = "Dates are RFC 3339 date-times with an offset (2026-05-01T17:00:00+02:00, or Z for UTC); " +
  "work out the offset of the user's zone rather than sending a local time without one."

export const taskTools: ReadonlyArray<TaskTool> = [
  {
    name: "add_task",
    title: "Add a task",
    description: "Create a task on the user's list and return it with its id. Only title is required; " +
      "priority defaults to medium, completed to false. " + FIELDS_HELP,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    inputSchema: toolSchema(NewTask),
    outputSchema: TASK_SCHEMA,
    run: (user, args) =>
      decodeNewTask(args).pipe(
        Effect.flatMap((input) => withTasks((tasks) => tasks.create(user, input))),
        Effect.map(encodeTask)
      )
  },
  {
    name: "list_tasks",
    title: "List tasks",
    description: "List the user's tasks, newest first unless sort and order say otherwise, filtered by status, " +
      "text (q), priority, tag and due date. Use it to find a task's id, to see what is pending or overdue " +
      "(status pending with due_before now), or to search. At most limit tasks come back (default 100); " +
      "when next_cursor is not null, more follow: call again with cursor set to it and the same filters, sort and order. " +
      FIELDS_HELP,
    annotations: { readOnlyHint: true },
    inputSchema: toolSchema(ListArguments),
    outputSchema: toolSchema(TaskPage),
    run: (user, args) =>
      decodeList(args).pipe(
        Effect.flatMap((params) => withTasks((tasks) => tasks.list(user, params))),
        Effect.map(encodePage)
      )
  },
  {
    name: "get_task",
    title: "Get a task",
    description: "Read one of the user's tasks by its id. A task that does not exist is an error.",
    annotations: { readOnlyHint: true },
    inputSchema: toolSchema(IdArguments),
    outputSchema: TASK_SCHEMA,
    run: (user, args) =>
      taskIdOf(args).pipe(
        Effect.flatMap((id) => withTasks((tasks) => tasks.get(user, id))),
        Effect.map(encodeTask)
      )
  },
  {
    name: "update_task",
    title: "Update a task",
    description: "Change some fields of a task: send its id and only the fields to change (at least one); " +
      "null clears description, due_date, recurrence, timezone or remind_at, and tags replaces the whole list. " +
      "Returns the task as it now is. " +
      FIELDS_HELP,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    inputSchema: toolSchema(UpdateArguments),
    outputSchema: TASK_SCHEMA,
    run: (user, args) =>
      taskIdOf(args).pipe(
        Effect.flatMap((id) =>
          decodePatch(fieldsOf(args)).pipe(Effect.flatMap((patch) => withTasks((tasks) => tasks.update(user, id, patch))))
        ),
        Effect.map(encodeTask)
      )
  },
  {
    name: "complete_task",
    title: "Complete a task",
    description: "Mark a task done (completed true) or not done (completed false). Without completed, it " +
      "toggles: prefer sending completed, so that a repeated call changes nothing. Returns the task; completing " +
      "a recurring task also creates its next occurrence, whose id is the task's next_occurrence_id.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    inputSchema: toolSchema(CompleteArguments),
    outputSchema: TASK_SCHEMA,
    run: (user, args) =>
      taskIdOf(args).pipe(
        Effect.flatMap((id) =>
          decodeComplete(args).pipe(
            Effect.flatMap(({ completed }) =>
              withTasks((tasks) => completed === undefined ? tasks.toggleCompleted(user, id) : tasks.setCompleted(user, id, completed))
            )
          )
        ),
        Effect.map(encodeTask)
      )
  },
  {
    name: "delete_task",
    title: "Delete a task",
    description: "Delete a task for good; it cannot be undone. Confirm with the user first unless they asked " +
      "for exactly this. A second delete of the same id is an error (the task no longer exists).",
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    inputSchema: toolSchema(IdArguments),
    outputSchema: toolSchema(Deleted),
    run: (user, args) =>
      taskIdOf(args).pipe(
        Effect.flatMap((id) => withTasks((tasks) => Effect.as(tasks.remove(user, id), { deleted: id })))
      )
  }
]
