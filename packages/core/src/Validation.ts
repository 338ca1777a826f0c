/** Decoding untrusted input into the domain's types, every failure a `ValidationFailed` with field paths. */
import { Effect, Schema } from "effect"
import { ValidationFailed } from "./TaskErrors.js"

export const validate = <A, I>(schema: Schema.Schema<A, I, never>, pathPrefix = "") => {
  const decode = Schema.decodeUnknown(schema, { errors: "all" })
  return (input: unknown): Effect.Effect<A, ValidationFailed> =>
    decode(input).pipe(Effect.mapError((error) => ValidationFailed.fromParseError(error, pathPrefix)))
}
