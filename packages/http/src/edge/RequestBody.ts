/**
 * Reading a JSON body, in the order a client can fix things: size (413), media type (415),
 * syntax (400), then the schema (422). Bodies are read straight from Node, because the
 * platform's own size limit destroys the socket, so the client would never see its 413.
 */
import { validate, ValidationFailed } from "@todo/core"
import { Effect, Option, type Schema } from "effect"
import type { IncomingHttpHeaders, IncomingMessage } from "node:http"
import { MalformedJson, PayloadTooLarge, UnsupportedMediaType } from "../problems/RequestErrors.js"

export const MAX_BODY_BYTES = 64 * 1024

const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

type BodyError = MalformedJson | PayloadTooLarge | UnsupportedMediaType | ValidationFailed

const tooLarge = new PayloadTooLarge({ limit: MAX_BODY_BYTES })

const mayHaveBody = (headers: IncomingHttpHeaders): boolean => {
  const length = headers["content-length"]
  return length === undefined ? headers["transfer-encoding"] !== undefined : length.trim() !== "0"
}

const readText = (incoming: IncomingMessage) =>
  Effect.async<string, PayloadTooLarge | MalformedJson>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const stop = () => {
      incoming.off("data", onData)
      incoming.off("end", onEnd)
      incoming.off("error", onError)
    }
    function onData(chunk: Buffer) {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk)
      stop()
      // Discard the rest rather than destroy the socket, so the 413 reaches the client.
      incoming.resume()
      resume(Effect.fail(tooLarge))
    }
    function onEnd() {
      stop()
      resume(Effect.succeed(Buffer.concat(chunks, size).toString("utf8")))
    }
    function onError() {
      stop()
      resume(Effect.fail(new MalformedJson({ detail: "The request body could not be read to its end." })))
    }
    incoming.on("data", onData)
    incoming.once("end", onEnd)
    incoming.once("error", onError)
    return Effect.sync(stop)
  })

/** The parsed body, or none when the request has no body (or only whitespace). */
export const readJson = (incoming: IncomingMessage): Effect.Effect<Option.Option<unknown>, BodyError> => {
  const headers = incoming.headers
  if (!mayHaveBody(headers)) return Effect.succeed(Option.none())
  if (Number(headers["content-length"]) > MAX_BODY_BYTES) return Effect.fail(tooLarge)
  return readText(incoming).pipe(
    Effect.flatMap((text): Effect.Effect<Option.Option<unknown>, BodyError> => {
      if (text.trim() === "") return Effect.succeed(Option.none())
      if (!JSON_MEDIA_TYPE.test(headers["content-type"] ?? "")) return Effect.fail(new UnsupportedMediaType())
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return Effect.fail(new MalformedJson({ detail: "The request body is not valid JSON." }))
      }
      return Effect.succeed(Option.some(json))
    })
  )
}

const missingBody = new MalformedJson({ detail: "The request needs a JSON body." })

/** A body that must be there and must satisfy `schema`. */
export const requiredBody = <A, I>(schema: Schema.Schema<A, I>) => {
  const check = validate(schema)
  return (incoming: IncomingMessage): Effect.Effect<A, BodyError> =>
    Effect.flatMap(readJson(incoming), Option.match({
      onNone: (): Effect.Effect<A, BodyError> => Effect.fail(missingBody),
      onSome: check
    }))
}

/** A body that may be left out; when sent, it must satisfy `schema`. */
export const optionalBody = <A, I>(schema: Schema.Schema<A, I>) => {
  const check = validate(schema)
  return (incoming: IncomingMessage): Effect.Effect<Option.Option<A>, BodyError> =>
    Effect.flatMap(readJson(incoming), Option.match({
      onNone: (): Effect.Effect<Option.Option<A>, BodyError> => Effect.succeed(Option.none()),
      onSome: (json) => Effect.map(check(json), Option.some)
    }))
}
