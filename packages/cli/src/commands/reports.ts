/** `users` and `stats`: who has tasks, and how many. */
import { Tasks, type UserTaskCount } from "@todo/core"
import type { Command } from "commander"
import { Effect } from "effect"
import { examples, jsonOption } from "../CommandLine.js"
import { type Column, printFields, printJson, printLine, printTable } from "../Output.js"
import type { Runner } from "../Runner.js"

interface ReportOptions {
  readonly json?: true
}

const userColumns: ReadonlyArray<Column<UserTaskCount>> = [
  { header: "USER", cell: (user) => user.user_id },
  { header: "TOTAL", cell: (user) => String(user.total) },
  { header: "COMPLETED", cell: (user) => String(user.completed) },
  { header: "PENDING", cell: (user) => String(user.total - user.completed) }
]

const printUsers = (users: ReadonlyArray<UserTaskCount>) =>
  users.length === 0 ? printLine("No users have tasks.") : printTable(userColumns, users)

const users = (options: ReportOptions) =>
  Effect.flatMap(Tasks, (tasks) => tasks.users).pipe(
    Effect.flatMap((users) => (options.json ? printJson(users) : printUsers(users)))
  )

const stats = (options: ReportOptions) =>
  Effect.gen(function*() {
    const stats = yield* Effect.flatMap(Tasks, (tasks) => tasks.stats)
    if (options.json) return yield* printJson(stats)
    yield* printFields([
      ["users", String(stats.users)],
      ["tasks", String(stats.tasks)],
      ["completed", String(stats.completed)],
      ["pending", String(stats.pending)]
    ])
    if (stats.largest_users.length > 0) {
      yield* printLine("\nLargest users:")
      yield* printTable(userColumns, stats.largest_users)
    }
  })

export const registerReports = (program: Command, runner: Runner<Tasks>): void => {
  program.command("users")
    .description("every user who has tasks, with task counts (most tasks first)")
    .addOption(jsonOption())
    .addHelpText("after", examples("todo-admin users --json"))
    .action((options: ReportOptions) => runner.run(users(options)))

  program.command("stats")
    .description("totals, tasks per status, and the users with the most tasks")
    .addOption(jsonOption())
    .addHelpText("after", examples("todo-admin stats"))
    .action((options: ReportOptions) => runner.run(stats(options)))
}
