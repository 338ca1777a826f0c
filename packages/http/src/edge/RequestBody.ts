/**
 * Reading a JSON body, in the order a client can fix things: size (413), media type (415),
 * encoding and syntax (400), then the schema (422). Bodies are read straight from Node,
 * because the platform's own size limit destroys the socket, so the client would never see
 * its 413.
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

const readBytes = (incoming: IncomingMessage) =>
  Effect.async<Buffer, PayloadTooLarge | MalformedJson>((resume) => {
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
      resume(Effect.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
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

// JSON text is UTF-8 (RFC 8259 §8.1): other bytes are refused, not replaced with U+FFFD. A byte
// order mark is kept, so JSON.parse refuses it as before.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const textOf = (bytes: Buffer): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

const notUtf8 = new MalformedJson({ detail: "The request body is not valid UTF-8." })
const notJson = new MalformedJson({ detail: "The request body is not valid JSON." })

/** The parsed body, or none when the request has no body (or only whitespace). */
export const readJson = (incoming: IncomingMessage): Effect.Effect<Option.Option<unknown>, BodyError> => {
  const headers = incoming.headers
  if (!mayHaveBody(headers)) return Effect.succeed(Option.none())
  if (Number(headers["content-length"]) > MAX_BODY_BYTES) return Effect.fail(tooLarge)
  return readBytes(incoming).pipe(
    Effect.flatMap((bytes): Effect.Effect<Option.Option<unknown>, BodyError> => {
      const text = textOf(bytes)
      if (text?.trim() === "") return Effect.succeed(Option.none())
      if (!JSON_MEDIA_TYPE.test(headers["content-type"] ?? "")) return Effect.fail(new UnsupportedMediaType())
      if (text === undefined) return Effect.fail(notUtf8)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        return Effect.fail(notJson)
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
    Effect.flatMap(
      readJson(incoming),
      Option.match({
        onNone: (): Effect.Effect<A, BodyError> => Effect.fail(missingBody),
        onSome: check
      })
    )
}

/** A body that may be left out; when sent, it must satisfy `schema`. */
export const optionalBody = <A, I>(schema: Schema.Schema<A, I>) => {
  const check = validate(schema)
  return (incoming: IncomingMessage): Effect.Effect<Option.Option<A>, BodyError> =>
    Effect.flatMap(
      readJson(incoming),
      Option.match({
        onNone: (): Effect.Effect<Option.Option<A>, BodyError> => Effect.succeed(Option.none()),
        onSome: (json) => Effect.map(check(json), Option.some)
      })
    )
}
