/**
 * The failures a command reports to its user, and how each reads on stderr with its exit
 * code: 2 for a command line that cannot be run as written, 1 for everything else (an invalid
 * setting included, as for the API).
 */
import { Setting } from "@todo/config"
import { FeedCursorExpired, RepositoryUnavailable, TaskNotFound, ValidationFailed, VersionMismatch } from "@todo/core"
import { MigrationFailed } from "@todo/postgres"
import { Cause, ConfigError, Data, Option } from "effect"

/** The command line itself is wrong: a missing confirmation, a bad option value. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The command could not do its job, for a reason the user can act on. */
export class CommandFailed extends Data.TaggedError("CommandFailed")<{ readonly message: string }> {}

export interface Report {
  readonly lines: ReadonlyArray<string>
  readonly exitCode: 1 | 2
}

const ISSUES_SHOWN = 20

const describeValidation = (error: ValidationFailed): ReadonlyArray<string> => {
  const shown = error.issues.slice(0, ISSUES_SHOWN).map((issue) => `  ${issue.path === "" ? "" : `${issue.path}: `}${issue.message}`)
  const hidden = error.issues.length - shown.length
  return ["error: invalid input", ...shown, ...(hidden > 0 ? [`  … and ${hidden} more`] : [])]
}

const describeError = (error: unknown): Report | undefined => {
  if (error instanceof UsageError) return { lines: [`error: ${error.message}`], exitCode: 2 }
  if (error instanceof ValidationFailed) return { lines: describeValidation(error), exitCode: 1 }
  if (
    error instanceof CommandFailed || error instanceof TaskNotFound || error instanceof VersionMismatch ||
    error instanceof RepositoryUnavailable || error instanceof MigrationFailed || error instanceof FeedCursorExpired
  ) {
    return { lines: [`error: ${error.message}`], exitCode: 1 }
  }
  if (ConfigError.isConfigError(error)) {
    return {
      lines: Setting.problemsOf(error).map((problem) => `error: invalid configuration: ${problem}`),
      exitCode: Setting.INVALID_EXIT_CODE
    }
  }
  return undefined
}

/** Expected failures read as one message; anything else is a bug and keeps its full cause. */
export const describeFailure = (cause: Cause.Cause<unknown>): Report => {
  const expected = Option.flatMapNullable(Cause.failureOption(cause), describeError)
  if (Option.isSome(expected)) return expected.value
  if (Cause.isInterruptedOnly(cause)) return { lines: ["error: interrupted"], exitCode: 1 }
  return { lines: ["error: unexpected failure (a bug; please report it):", Cause.pretty(cause)], exitCode: 1 }
}
