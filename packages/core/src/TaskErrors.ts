/**
 * The failures a use-case can report. They know nothing of HTTP: each host maps them, and tells
 * its caller the sentence `sentenceFor` words, so every host says the same thing.
 */
import { Schema } from "effect"

export class TaskNotFound extends Schema.TaggedError<TaskNotFound>()("TaskNotFound", {
  id: Schema.Number
}) {
  override get message() {
    return `No task ${this.id} exists for this user.`
  }
}

export const FieldIssue = Schema.Struct({ path: Schema.String, message: Schema.String })
export type FieldIssue = typeof FieldIssue.Type

export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  issues: Schema.Array(FieldIssue)
}) {
  override get message() {
    return this.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")
  }

  static of(path: string, message: string): ValidationFailed {
    return new ValidationFailed({ issues: [{ path, message }] })
  }
}

export class VersionMismatch extends Schema.TaggedError<VersionMismatch>()("VersionMismatch", {
  id: Schema.Number
}) {
  override get message() {
    return `Task ${this.id} has changed since the version you sent.`
  }
}

export class RepositoryUnavailable extends Schema.TaggedError<RepositoryUnavailable>()("RepositoryUnavailable", {
  reason: Schema.String,
  /** What the driver or the OS said (`ECONNREFUSED`, a SQLSTATE), for an operator: never a host, a statement or a secret. */
  code: Schema.optional(Schema.String)
}) {
  override get message() {
    return `The task store is unavailable: ${this.reason}${this.code === undefined ? "" : ` (${this.code})`}`
  }
}

/** The changes after a feed cursor have been dropped (retention): the reader must start again from a full list. */
export class FeedCursorExpired extends Schema.TaggedError<FeedCursorExpired>()("FeedCursorExpired", {}) {
  override get message() {
    return "Changes after this cursor are no longer kept; list the tasks again and follow the feed from its current cursor."
  }
}

/** Every failure a use-case reports on purpose. */
export type TaskError = TaskNotFound | ValidationFailed | VersionMismatch | FeedCursorExpired | RepositoryUnavailable

/**
 * What a caller is told, in any host: one sentence for a person, never a cause's own text (no
 * SQL, stack or secret). A missing task and another user's read the same. The field errors of a
 * `ValidationFailed` are its `issues`, given beside this sentence.
 */
export const sentenceFor = (error: TaskError): string => {
  switch (error._tag) {
    case "TaskNotFound":
      return "No such task exists for this user."
    case "ValidationFailed":
      return "The request breaks the rules listed in errors."
    case "VersionMismatch":
    case "FeedCursorExpired":
      return error.message
    case "RepositoryUnavailable":
      return "The task store is unavailable; retry shortly."
  }
}
