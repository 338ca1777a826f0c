/**
 * An import file: UTF-8, NDJSON (one task per line) or a JSON array, told apart by the first
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

const utf8 = new TextDecoder("utf-8", { fatal: true })

const decoded = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

const LINE_FEED = 0x0a

/** The file's text; bytes that are not UTF-8 are refused by line (a line feed is never part of a UTF-8 sequence). */
const textOf = (bytes: Uint8Array): Either.Either<string, ValidationFailed> => {
  const text = decoded(bytes)
  if (text !== undefined) return Either.right(text)
  const issues: Array<FieldIssue> = []
  for (let start = 0, line = 1; start <= bytes.length; line++) {
    const end = bytes.indexOf(LINE_FEED, start)
    const stop = end === -1 ? bytes.length : end
    if (decoded(bytes.subarray(start, stop)) === undefined) issues.push({ path: `line ${line}`, message: "is not valid UTF-8" })
    start = stop + 1
  }
  return Either.left(new ValidationFailed({ issues }))
}

const rowsOf = (text: string): Either.Either<ReadonlyArray<Row>, ValidationFailed> => {
  if (text.trimStart().startsWith("[")) {
    return parseJson(text).pipe(
      Either.mapLeft(() => ValidationFailed.of("", "the file starts like a JSON array but is not valid JSON")),
      Either.map((items) =>
        (items as ReadonlyArray<unknown>).map((item, index) => ({
          label: `item ${index + 1}`,
          value: Either.right(item)
        }))
      )
    )
  }
  return Either.right(
    text.split("\n").flatMap((line, index) => line.trim() === "" ? [] : [{ label: `line ${index + 1}`, value: parseJson(line) }])
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

export const parseTaskFile = (bytes: Uint8Array): Effect.Effect<ReadonlyArray<ImportedTask>, ValidationFailed> =>
  Effect.gen(function*() {
    const rows = yield* rowsOf(yield* textOf(bytes))
    const results = yield* Effect.forEach(rows, issuesOf)
    const issues = results.flatMap((result) => (Either.isLeft(result) ? result.left : []))
    if (issues.length > 0) return yield* new ValidationFailed({ issues })
    return results.flatMap((result) => (Either.isRight(result) ? [result.right] : []))
  })
