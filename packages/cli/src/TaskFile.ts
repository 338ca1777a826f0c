/**
 * An import file: NDJSON (one task per line) or a JSON array, told apart by the first
 * character. Every row is checked before any is used, and a problem names its row.
 */
import { type FieldIssue, ImportedTask, validate, ValidationFailed } from "@todo/core"
import { Effect, Either } from "effect"

interface Row {
  /** How the user finds the row: `line 3` in NDJSON, `item 3` in an array (counting from 1). */
  readonly label: string
  readonly value: Either.Either<unknown, string>
}

const parseJson = (text: string): Either.Either<unknown, string> =>
  Either.try({ try: () => JSON.parse(text) as unknown, catch: () => "is not valid JSON" })

const rowsOf = (text: string): Either.Either<ReadonlyArray<Row>, ValidationFailed> => {
  if (text.trimStart().startsWith("[")) {
    return parseJson(text).pipe(
      Either.mapLeft(() => ValidationFailed.of("", "the file starts like a JSON array but is not valid JSON")),
      Either.map((items) => (items as ReadonlyArray<unknown>).map((item, index) => ({
        label: `item ${index + 1}`,
        value: Either.right(item)
      })))
    )
  }
  return Either.right(
    text.split("\n").flatMap((line, index) =>
      line.trim() === "" ? [] : [{ label: `line ${index + 1}`, value: parseJson(line) }]
    )
  )
}

const validateTask = validate(ImportedTask)

const issuesOf = (row: Row): Effect.Effect<Either.Either<ImportedTask, ReadonlyArray<FieldIssue>>> =>
  Either.match(row.value, {
    onLeft: (message) => Effect.succeed(Either.left([{ path: row.label, message }])),
    onRight: (value) =>
      validateTask(value).pipe(
        Effect.mapError((error) =>
          error.issues.map((issue) => ({
            path: issue.path === "" ? row.label : `${row.label}, ${issue.path}`,
            message: issue.message
          }))
        ),
        Effect.either
      )
  })

export const parseTaskFile = (text: string): Effect.Effect<ReadonlyArray<ImportedTask>, ValidationFailed> =>
  Effect.gen(function*() {
    const rows = yield* rowsOf(text)
    const results = yield* Effect.forEach(rows, issuesOf)
    const issues = results.flatMap((result) => (Either.isLeft(result) ? result.left : []))
    if (issues.length > 0) return yield* new ValidationFailed({ issues })
    return results.flatMap((result) => (Either.isRight(result) ? [result.right] : []))
  })
