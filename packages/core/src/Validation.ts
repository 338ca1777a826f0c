/** Decoding untrusted input into the domain's types, every failure a `ValidationFailed` with field paths. */
import { Effect, ParseResult, Schema } from "effect"
import { type FieldIssue, ValidationFailed } from "./TaskErrors.js"

const EXPECTED = /^Expected (.+?), actual /s

const plainTypes: Record<string, string> = {
  string: "must be a string",
  number: "must be a number",
  boolean: "must be true or false"
}

/** Effect's words for its numeric refinements, as a rule in ours. */
const numericRules: ReadonlyArray<readonly [RegExp, (bound: string, upper?: string) => string]> = [
  [/^an integer$/, () => "must be a whole number"],
  [/^a number greater than or equal to (\S+)$/, (bound) => `must be at least ${bound}`],
  [/^a number greater than (\S+)$/, (bound) => `must be more than ${bound}`],
  [/^a number less than or equal to (\S+)$/, (bound) => `must be at most ${bound}`],
  [/^a number less than (\S+)$/, (bound) => `must be less than ${bound}`],
  [/^a number between (\S+) and (\S+)$/, (lower, upper) => `must be from ${lower} to ${upper}`]
]

const describeExpected = (expected: string): string => {
  const plain = plainTypes[expected]
  if (plain !== undefined) return plain
  for (const [pattern, rule] of numericRules) {
    const bounds = pattern.exec(expected)
    if (bounds !== null) return rule(bounds[1]!, bounds[2])
  }
  if (expected.startsWith("ReadonlyArray")) return "must be an array"
  return expected.startsWith("{") ? "must be a JSON object" : "is invalid"
}

/** A transformation's own failure ("Unable to decode … into a DateTime.Utc") names a type of Effect's and echoes the input. */
const DECODING_FAILURE = /^Unable to decode .* into an? (.+)$/s

const decodingFailures: Record<string, string> = {
  number: "must be a number",
  "DateTime.Utc": "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T17:00:00Z"
}

const ownWords = (message: string): string => {
  const into = DECODING_FAILURE.exec(message)?.[1]
  return into === undefined ? message : decodingFailures[into] ?? "is invalid"
}

/**
 * Schema's own messages name every member of a union and echo the input back; a caller wants
 * one sentence per field that says what is allowed, and never their own data repeated.
 */
const messagesFor = (messages: ReadonlyArray<string>): ReadonlyArray<string> => {
  const literals: Array<string> = []
  const absent: Array<string> = []
  const others: Array<string> = []
  for (const message of messages) {
    const expected = EXPECTED.exec(message)?.[1]
    if (expected === undefined) others.push(ownWords(message))
    else if (expected.startsWith("\"")) literals.push(expected)
    else if (expected === "undefined" || expected === "null") absent.push(expected)
    else others.push(describeExpected(expected))
  }
  if (literals.length > 0) others.unshift(literals.length === 1 ? `must be ${literals[0]}` : `must be one of ${literals.join(", ")}`)
  return [...new Set(others)]
}

const fieldIssues = (error: ParseResult.ParseError, pathPrefix: string): ReadonlyArray<FieldIssue> => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = [pathPrefix, ...issue.path.map(String)].filter((part) => part !== "").join(".")
    byPath.set(path, [...(byPath.get(path) ?? []), issue.message])
  }
  const issues = [...byPath].flatMap(([path, messages]) => messagesFor(messages).map((message) => ({ path, message })))
  // A union's "expected undefined" alone at a path means the real failure is reported deeper down.
  return issues.length > 0 ? issues : [{ path: pathPrefix, message: "is invalid" }]
}

/** A task is two levels deep; far deeper input is refused before Schema walks (and prints) it recursively. */
export const MAX_INPUT_DEPTH = 32

const deeperThan = (value: unknown, levels: number): boolean => {
  if (typeof value !== "object" || value === null) return false
  if (levels === 0) return true
  for (const child of Object.values(value)) if (deeperThan(child, levels - 1)) return true
  return false
}

/** Field paths are dotted (`tags.2`), relative to the value decoded, under `pathPrefix` if given. */
export const validate = <A, I>(schema: Schema.Schema<A, I, never>, pathPrefix = "") => {
  const decode = Schema.decodeUnknown(schema, { errors: "all" })
  const tooDeep = ValidationFailed.of(pathPrefix, `is nested more than ${MAX_INPUT_DEPTH} levels deep`)
  return (input: unknown): Effect.Effect<A, ValidationFailed> =>
    deeperThan(input, MAX_INPUT_DEPTH)
      ? Effect.fail(tooDeep)
      : decode(input).pipe(Effect.mapError((error) => new ValidationFailed({ issues: fieldIssues(error, pathPrefix) })))
}
