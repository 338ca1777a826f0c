/** `export`, `import` and `purge-user`: a user's tasks in bulk. */
import { Tasks, type UserId } from "@todo/core"
import { type Command, Option } from "commander"
import { Chunk, Effect, Exit, Stream } from "effect"
import { readFile } from "node:fs/promises"
import { examples, parseUserId, userOption } from "../CommandLine.js"
import { CommandFailed, UsageError } from "../CommandFailure.js"
import { endProgress, printLine, printText, progress } from "../Output.js"
import { reportExit, type Runner } from "../Runner.js"
import { encodeTask } from "../TaskOutput.js"
import { parseTaskFile } from "../TaskFile.js"

const tasksCounted = (count: number): string => `${count} ${count === 1 ? "task" : "tasks"}`

interface ExportOptions {
  readonly user: UserId
  readonly format: "ndjson" | "json"
}

/** NDJSON is one task per line; JSON is an array with one task per line. */
const exportTasks = (options: ExportOptions) =>
  Effect.gen(function*() {
    const tasks = yield* Tasks
    const array = options.format === "json"
    let count = 0
    yield* tasks.exportAll(options.user).pipe(
      Stream.runForEachChunk((chunk) => {
        if (Chunk.isEmpty(chunk)) return Effect.void
        const lines = Chunk.toReadonlyArray(chunk).map((task) => JSON.stringify(encodeTask(task)))
        const text = array
          ? `${count === 0 ? "[\n" : ",\n"}${lines.join(",\n")}`
          : lines.map((line) => `${line}\n`).join("")
        count += lines.length
        return Effect.zipRight(printText(text), progress(`exported ${count} tasks`))
      })
    )
    if (array) yield* printText(count === 0 ? "[]\n" : "\n]\n")
    yield* endProgress
  })

const readInput = (file: string) =>
  Effect.tryPromise({
    try: async () => {
      if (file !== "-") return await readFile(file)
      const chunks: Array<Buffer> = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    },
    catch: (error) =>
      new CommandFailed({
        message: `cannot read ${file === "-" ? "standard input" : file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`
      })
  })

interface ImportOptions {
  readonly user: UserId
  readonly skipExisting?: true
}

const importTasks = (file: string, options: ImportOptions) =>
  Effect.gen(function*() {
    const { user } = options
    yield* progress(`reading ${file === "-" ? "standard input" : file}`)
    const rows = yield* parseTaskFile(yield* readInput(file))
    yield* progress(`importing ${rows.length} tasks in one transaction`)
    const skipExisting = options.skipExisting === true
    const count = yield* Effect.flatMap(Tasks, (tasks) => tasks.importAll(user, rows, { skipExisting }))
    yield* endProgress
    const skipped = skipExisting ? `; skipped ${rows.length - count} already held` : ""
    yield* printLine(`Imported ${tasksCounted(count)} for user ${user}${skipped}.`)
  }).pipe(Effect.onError(() => endProgress))

const purge = (user: UserId) =>
  Effect.flatMap(Tasks, (tasks) => tasks.purge(user)).pipe(
    Effect.flatMap((count) => printLine(`Deleted ${tasksCounted(count)} of user ${user}.`))
  )

export const registerTransfer = (program: Command, runner: Runner<Tasks>): void => {
  program.command("export")
    .description("write all of a user's tasks to stdout as the API's task JSON, oldest first")
    .addOption(userOption())
    .addOption(
      new Option("--format <format>", "ndjson (one task per line) or json (an array)")
        .choices(["ndjson", "json"]).default("ndjson")
    )
    .addHelpText("after", examples("todo-admin export --user alice > alice.ndjson"))
    .action((options: ExportOptions) => runner.run(exportTasks(options)))

  program.command("import")
    .description("add tasks to a user from NDJSON or a JSON array, all or nothing")
    .addHelpText(
      "after",
      "\nThe file is what `export` writes: ids and owners in it are ignored, timestamps kept.\n" +
        "Every row is checked first; one bad row (named by its line, or its item in an array) and nothing is imported.\n"
    )
    .addOption(userOption())
    .option(
      "--skip-existing",
      "leave out the tasks the user already holds (the same created_at and title), so a file imported twice adds nothing"
    )
    .argument("<file>", "the file to read, or - for standard input")
    .addHelpText(
      "after",
      examples(
        "todo-admin import --user alice alice.ndjson",
        "todo-admin import --user alice --skip-existing alice.ndjson",
        "todo-admin export --user alice | todo-admin import --user bob -"
      )
    )
    .action((file: string, options: ImportOptions) => runner.run(importTasks(file, options)))

  program.command("purge-user")
    .description("delete every task of a user and print how many were deleted")
    .argument("<user>", "the user whose tasks are deleted", parseUserId)
    .option("--yes", "confirm: the tasks cannot be recovered")
    .addHelpText("after", examples("todo-admin purge-user alice --yes"))
    .action((user: UserId, options: { readonly yes?: true }) =>
      options.yes
        ? runner.run(purge(user))
        : reportExit(Exit.fail(
          new UsageError({
            message: `purge-user deletes every task of ${user} for good; add --yes to confirm`
          })
        ))
    )
}
