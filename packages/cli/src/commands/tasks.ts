/** `tasks …`: one user's tasks, through the same use-cases as the API. */
import { NewTask, type TaskId, TaskListParams, TaskPatch, Tasks, type UserId, validate } from "@todo/core"
import { type Command, Option } from "commander"
import { Effect } from "effect"
import { collect, examples, jsonOption, parseTaskId, userOption } from "../CommandLine.js"
import { printJson, printLine } from "../Output.js"
import type { Runner } from "../Runner.js"
import { encodeTask, printTask, printTasks } from "../TaskOutput.js"

interface Owned {
  readonly user: UserId
  readonly json?: true
}

interface ListOptions extends Owned {
  readonly status?: string
  readonly q?: string
  readonly priority?: string
  readonly tag?: string
  readonly dueBefore?: string
  readonly dueAfter?: string
  readonly sort?: string
  readonly order?: string
  readonly limit?: string
  readonly cursor?: string
}

interface WriteOptions extends Owned {
  readonly title?: string
  readonly description?: string
  readonly priority?: string
  readonly tag?: ReadonlyArray<string>
  readonly due?: string
  readonly repeat?: string
  readonly tz?: string
  readonly remind?: string
}

interface AddOptions extends WriteOptions {
  readonly completed?: true
}

interface UpdateOptions extends WriteOptions {
  readonly clearDescription?: true
  readonly clearTags?: true
  readonly clearDue?: true
  readonly clearRepeat?: true
  readonly clearTz?: true
  readonly clearRemind?: true
}

/** Options the user did not give are left out, so the schemas apply their own defaults. */
const defined = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))

const validateList = validate(TaskListParams)
const validateNew = validate(NewTask)
const validatePatch = validate(TaskPatch)

const list = (options: ListOptions) =>
  Effect.gen(function*() {
    const params = yield* validateList(defined({
      status: options.status,
      q: options.q,
      priority: options.priority,
      tag: options.tag,
      due_before: options.dueBefore,
      due_after: options.dueAfter,
      sort: options.sort,
      order: options.order,
      limit: options.limit,
      cursor: options.cursor
    }))
    const page = yield* Effect.flatMap(Tasks, (tasks) => tasks.list(options.user, params))
    if (options.json) return yield* printJson({ tasks: page.tasks.map(encodeTask), next_cursor: page.next_cursor })
    yield* printTasks(page.tasks)
    if (page.next_cursor !== null) yield* printLine(`\nMore tasks follow: add --cursor ${page.next_cursor}`)
  })

const add = (options: AddOptions) =>
  Effect.gen(function*() {
    const input = yield* validateNew(defined({
      title: options.title,
      description: options.description,
      completed: options.completed,
      priority: options.priority,
      tags: options.tag,
      due_date: options.due,
      recurrence: options.repeat,
      timezone: options.tz,
      remind_at: options.remind
    }))
    const task = yield* Effect.flatMap(Tasks, (tasks) => tasks.create(options.user, input))
    yield* printTask(task, options)
  })

const update = (id: TaskId, options: UpdateOptions) =>
  Effect.gen(function*() {
    const patch = yield* validatePatch(defined({
      title: options.title,
      description: options.clearDescription ? null : options.description,
      priority: options.priority,
      tags: options.clearTags ? [] : options.tag,
      due_date: options.clearDue ? null : options.due,
      recurrence: options.clearRepeat ? null : options.repeat,
      timezone: options.clearTz ? null : options.tz,
      remind_at: options.clearRemind ? null : options.remind
    }))
    const task = yield* Effect.flatMap(Tasks, (tasks) => tasks.update(options.user, id, patch))
    yield* printTask(task, options)
  })

const show = (id: TaskId, options: Owned) =>
  Effect.flatMap(Tasks, (tasks) => tasks.get(options.user, id)).pipe(
    Effect.flatMap((task) => printTask(task, options))
  )

const setCompleted = (completed: boolean) => (id: TaskId, options: Owned) =>
  Effect.flatMap(Tasks, (tasks) => tasks.setCompleted(options.user, id, completed)).pipe(
    Effect.flatMap((task) => printTask(task, options))
  )

const remove = (id: TaskId, options: Owned) =>
  Effect.flatMap(Tasks, (tasks) => tasks.remove(options.user, id)).pipe(
    Effect.zipRight(options.json ? printJson({ deleted: id }) : printLine(`Deleted task ${id}.`))
  )

const ADMIN = "todo-admin tasks"

export const registerTasks = (program: Command, runner: Runner<Tasks>): void => {
  const tasks = program.command("tasks").description("list, add, show, change and delete one user's tasks")
  const idArgument = (command: Command) => command.argument("<id>", "the task's id", parseTaskId)

  tasks.command("list")
    .description("list a user's tasks, a page at a time (the API's list query)")
    .addOption(userOption())
    .option("--status <status>", "all | pending | completed (default all)")
    .option("--q <text>", "text to find in the title or description (case-insensitive)")
    .option("--priority <priority>", "low | medium | high")
    .option("--tag <tag>", "only tasks with this tag (case-insensitive)")
    .option("--due-before <date-time>", "due before this RFC 3339 date-time")
    .option("--due-after <date-time>", "due after this RFC 3339 date-time")
    .option("--sort <key>", "created_at | updated_at | title | due_date | priority (default created_at)")
    .option("--order <order>", "asc | desc (default desc)")
    .option("--limit <n>", "tasks per page, 1-500 (default 100)")
    .option("--cursor <cursor>", "the next page, as printed after the previous one")
    .addOption(jsonOption())
    .addHelpText("after", examples(`${ADMIN} list --user alice --status pending --sort due_date --order asc`))
    .action((options: ListOptions) => runner.run(list(options)))

  const writeOptions = (command: Command) =>
    command
      .option("--description <text>", "up to 1000 characters")
      .option("--priority <priority>", "low | medium | high")
      .option("--tag <tag>", "a tag; repeat for several (replaces the task's tags)", collect)
      .option("--due <date-time>", "due date, RFC 3339 with an offset, e.g. 2026-01-31T17:00:00Z")
      .option("--repeat <rrule>", "repeat by an RFC 5545 rule, e.g. \"FREQ=WEEKLY;BYDAY=MO\" (needs a due date)")
      .option("--tz <zone>", "the IANA time zone it repeats in, e.g. Europe/Berlin (default UTC)")
      .option("--remind <date-time>", "when to remind, RFC 3339 with an offset")

  writeOptions(
    tasks.command("add")
      .description("create a task")
      .addOption(userOption())
      .requiredOption("--title <title>", "1-200 characters")
  )
    .option("--completed", "create it already completed")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      examples(
        `${ADMIN} add --user alice --title "Buy milk" --tag home --due 2026-01-31T17:00:00Z`,
        `${ADMIN} add --user alice --title "Water the plants" --due 2026-03-02T09:00:00+01:00 --repeat "FREQ=WEEKLY;BYDAY=MO" --tz Europe/Berlin --remind 2026-03-02T08:45:00+01:00`
      )
    )
    .action((options: AddOptions) => runner.run(add(options)))

  idArgument(tasks.command("show").description("show one task"))
    .addOption(userOption())
    .addOption(jsonOption())
    .addHelpText("after", examples(`${ADMIN} show --user alice 12`))
    .action((id: TaskId, options: Owned) => runner.run(show(id, options)))

  idArgument(
    writeOptions(
      tasks.command("update")
        .description("change some of a task's fields")
        .addOption(userOption())
        .option("--title <title>", "1-200 characters")
    )
  )
    .addOption(new Option("--clear-description", "remove the description").conflicts("description"))
    .addOption(new Option("--clear-tags", "remove every tag").conflicts("tag"))
    .addOption(new Option("--clear-due", "remove the due date").conflicts("due"))
    .addOption(new Option("--clear-repeat", "stop repeating").conflicts("repeat"))
    .addOption(new Option("--clear-tz", "repeat in UTC").conflicts("tz"))
    .addOption(new Option("--clear-remind", "remove the reminder").conflicts("remind"))
    .addOption(jsonOption())
    .addHelpText("after", examples(`${ADMIN} update --user alice 12 --priority high --clear-due`))
    .action((id: TaskId, options: UpdateOptions) => runner.run(update(id, options)))

  idArgument(tasks.command("complete").description("mark a task completed (a repeating one gets its next occurrence)"))
    .addOption(userOption())
    .addOption(jsonOption())
    .addHelpText("after", examples(`${ADMIN} complete --user alice 12`))
    .action((id: TaskId, options: Owned) => runner.run(setCompleted(true)(id, options)))

  idArgument(tasks.command("reopen").description("mark a task not completed"))
    .addOption(userOption())
    .addOption(jsonOption())
    .addHelpText("after", examples(`${ADMIN} reopen --user alice 12`))
    .action((id: TaskId, options: Owned) => runner.run(setCompleted(false)(id, options)))

  idArgument(tasks.command("delete").description("delete a task"))
    .addOption(userOption())
    .addOption(jsonOption())
    .addHelpText("after", examples(`${ADMIN} delete --user alice 12`))
    .action((id: TaskId, options: Owned) => runner.run(remove(id, options)))
}
