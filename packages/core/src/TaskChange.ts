/**
 * The change feed: every committed change to a user's tasks, at a position in that user's feed.
 * Positions count 1, 2, 3… per user with no gap, in commit order; a cursor names one of them.
 */
import { Either, Encoding, Schema } from "effect"
import { Task, TaskId, type UserId } from "./Task.js"
import { ValidationFailed } from "./TaskErrors.js"

export const ChangeType = Schema.Literal("created", "updated", "deleted", "reminder")
export type ChangeType = typeof ChangeType.Type

export const TaskChange = Schema.Struct({
  type: ChangeType,
  task_id: TaskId,
  task: Schema.NullOr(Task).annotations({ description: "The task after the change; null for deleted" }),
  at: Schema.DateTimeUtc.annotations({ description: "When the change was committed, in UTC" })
}).annotations({ identifier: "TaskChange" })
export type TaskChange = typeof TaskChange.Type

/** A change at its place in its owner's feed. */
export interface FeedEntry {
  readonly position: number
  readonly change: TaskChange
}

/** A change as a reader gets it: with the cursor that resumes right after it. */
export interface FeedItem {
  readonly cursor: string
  readonly change: TaskChange
}

/** What a repository reads of a feed, in one snapshot: the entries after a position, and the last position given. */
export interface FeedSlice {
  readonly entries: ReadonlyArray<FeedEntry>
  readonly head: number
}

const FeedCursorPayload = Schema.parseJson(Schema.Tuple(Schema.Literal("feed"), Schema.NonNegativeInt, Schema.String))
const decodePayload = Schema.decodeUnknownEither(FeedCursorPayload)

export const encodeFeedCursor = (owner: UserId, position: number): string =>
  Encoding.encodeBase64Url(JSON.stringify(["feed", position, owner]))

export const notOurs = (field: string) => ValidationFailed.of(field, "is not a cursor of this user's change feed")

/** The position a cursor names, if it is a cursor of `owner`'s feed; `field` is where it was sent. */
export const decodeFeedCursor = (owner: UserId, cursor: string, field: string): Either.Either<number, ValidationFailed> => {
  const refused = Either.left(notOurs(field))
  const text = Encoding.decodeBase64UrlString(cursor)
  if (Either.isLeft(text)) return refused
  const payload = decodePayload(text.right)
  if (Either.isLeft(payload) || payload.right[2] !== owner) return refused
  return Either.right(payload.right[1])
}
