/** The options and arguments several commands share, parsed with core's own schemas. */
import { TaskId, UserId } from "@todo/core"
import { InvalidArgumentError, Option } from "commander"
import { Either, Schema } from "effect"

const decodeUserId = Schema.decodeUnknownEither(UserId)
const decodeTaskId = Schema.decodeUnknownEither(TaskId)

export const parseUserId = (text: string): UserId =>
  Either.getOrThrowWith(decodeUserId(text), () => new InvalidArgumentError("a user id is 1 to 255 characters."))

export const parseTaskId = (text: string): TaskId => {
  const id = /^\d{1,10}$/.test(text) ? decodeTaskId(Number(text)) : Either.left(undefined)
  return Either.getOrThrowWith(id, () => new InvalidArgumentError("a task id is a positive integer."))
}

export const userOption = () => new Option("-u, --user <id>", "the user who owns the tasks").argParser(parseUserId).makeOptionMandatory()

export const jsonOption = () => new Option("--json", "print JSON instead of a table")

/** For repeatable options: each occurrence adds one value. */
export const collect = (value: string, previous: ReadonlyArray<string> | undefined): ReadonlyArray<string> => [
  ...(previous ?? []),
  value
]

/** The help text's closing example(s). */
export const examples = (...lines: ReadonlyArray<string>) =>
  `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n`
