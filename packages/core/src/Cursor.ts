/**
 * The opaque paging cursor: the sort key, the order and the position of the last task
 * served. A cursor made for another sort or order, or not made by us, is a validation error.
 */
import { DateTime, Either, Encoding, Schema } from "effect"
import { EARLIEST_DATE_TIME_MS, LATEST_DATE_TIME_MS, TaskId, type Task, Text } from "./Task.js"
import { ValidationFailed } from "./TaskErrors.js"
import { PRIORITY_RANK, SortKey, SortOrder, type PagePosition } from "./TaskQuery.js"

// A cursor's values go to the database: only what a task of ours can hold, whatever a client crafts.
const isEpochMillis = Schema.is(Schema.Int.pipe(Schema.between(EARLIEST_DATE_TIME_MS, LATEST_DATE_TIME_MS)))

const isValueOf: Record<SortKey, (value: unknown) => boolean> = {
  created_at: isEpochMillis,
  updated_at: isEpochMillis,
  due_date: (value) => value === null || isEpochMillis(value),
  title: Schema.is(Text()),
  priority: Schema.is(Schema.Literal(0, 1, 2))
}

const CursorPayload = Schema.parseJson(
  Schema.Tuple(SortKey, SortOrder, Schema.Union(Schema.Null, Schema.String, Schema.Number), TaskId)
)
const decodePayload = Schema.decodeUnknownEither(CursorPayload)

export const sortValueOf = (task: Task, sort: SortKey): PagePosition["value"] => {
  switch (sort) {
    case "created_at":
      return DateTime.toEpochMillis(task.created_at)
    case "updated_at":
      return DateTime.toEpochMillis(task.updated_at)
    case "due_date":
      return task.due_date === null ? null : DateTime.toEpochMillis(task.due_date)
    case "title":
      return task.title
    case "priority":
      return PRIORITY_RANK[task.priority]
  }
}

export const encodeCursor = (task: Task, sort: SortKey, order: SortOrder): string =>
  Encoding.encodeBase64Url(JSON.stringify([sort, order, sortValueOf(task, sort), task.id]))

const invalid = (message: string) => Either.left(ValidationFailed.of("cursor", message))

export const decodeCursor = (
  cursor: string,
  sort: SortKey,
  order: SortOrder
): Either.Either<PagePosition, ValidationFailed> => {
  const text = Encoding.decodeBase64UrlString(cursor)
  if (Either.isLeft(text)) return invalid("is not a cursor this API issued")
  const payload = decodePayload(text.right)
  if (Either.isLeft(payload)) return invalid("is not a cursor this API issued")
  const [cursorSort, cursorOrder, value, id] = payload.right
  if (cursorSort !== sort || cursorOrder !== order) {
    return invalid(`was issued for sort=${cursorSort}&order=${cursorOrder}; repeat those with it`)
  }
  if (!isValueOf[sort](value)) return invalid("is not a cursor this API issued")
  return Either.right({ value, id })
}
