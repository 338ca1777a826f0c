/** `changes`: a user's change feed, read after a cursor or followed live (a `tail -f` of it). */
import { ChangeSignal, type FeedItem, TaskFeed, type UserId, ValidationFailed } from "@todo/core"
import type { Command } from "commander"
import { DateTime, Duration, Effect, Schedule, Stream } from "effect"
import { examples, userOption } from "../CommandLine.js"
import { printError, printLine } from "../Output.js"
import type { Runner } from "../Runner.js"
import { encodeTask } from "../TaskOutput.js"

interface ChangesOptions {
  readonly user: UserId
  readonly since?: string
  readonly follow?: true
  readonly json?: true
}

/**
 * Another process's commits wake a follower through the database's listener where there is one;
 * reading again every second bounds the wait where there is none.
 */
const POLL_EVERY = Duration.seconds(1)

/** One line per change: JSON (with the cursor that resumes after it) or a line for a person. */
const lineOf = (item: FeedItem, json: boolean): string => {
  const { change } = item
  if (json) {
    return JSON.stringify({
      cursor: item.cursor,
      type: change.type,
      task_id: change.task_id,
      task: change.task === null ? null : encodeTask(change.task),
      at: DateTime.formatIso(change.at)
    })
  }
  const title = change.task === null ? "" : `  ${change.task.title}`
  return `${DateTime.formatIso(change.at)}  ${change.type.padEnd(8)}  task ${change.task_id}${title}`
}

const changes = (options: ChangesOptions) =>
  Effect.gen(function*() {
    const feed = yield* TaskFeed
    const json = options.json === true
    if (options.follow) {
      const signal = yield* ChangeSignal
      return yield* Effect.scoped(Effect.gen(function*() {
        yield* Effect.forkScoped(Effect.repeat(signal.raise(options.user), Schedule.spaced(POLL_EVERY)))
        const live = yield* feed.follow(options.user, options.since === undefined ? undefined : { cursor: options.since, field: "--since" })
        if (!json) yield* printError("Following the feed; Ctrl-C stops.")
        yield* Stream.runForEach(live, (item) => printLine(lineOf(item, json)))
      }))
    }
    if (options.since === undefined) {
      const { cursor } = yield* feed.changes(options.user, {})
      return yield* json ? printLine(JSON.stringify({ cursor })) : printLine(`The feed is at ${cursor}: read on with --since ${cursor}`)
    }
    let cursor = options.since
    for (let more = true; more;) {
      const page = yield* feed.changes(options.user, { since: cursor, limit: 500 }).pipe(
        Effect.catchTag("ValidationFailed", (error) =>
          Effect.fail(new ValidationFailed({ issues: error.issues.map((issue) => ({ ...issue, path: "--since" })) })))
      )
      for (const item of page.changes) {
        yield* printLine(lineOf(item, json))
      }
      cursor = page.cursor
      more = page.has_more
    }
    if (!json) {
      yield* printLine(`Read on with --since ${cursor}`)
    }
  })

export const registerChanges = (program: Command, runner: Runner<TaskFeed | ChangeSignal>): void => {
  program.command("changes")
    .description("a user's changes after a cursor, oldest first, or followed live with --follow (a tail -f of the feed)")
    .addOption(userOption())
    .option("--since <cursor>", "the cursor to read after (from an earlier run, the API's feed or an event id); none: the current cursor")
    .option("--follow", "keep printing changes as they are committed, until interrupted")
    .option("--json", "print one JSON line per change, with the cursor that resumes after it")
    .addHelpText("after", examples("todo-admin changes --user alice --follow", "todo-admin changes --user alice --since <cursor> --json"))
    .action((options: ChangesOptions) => runner.run(changes(options)))
}
