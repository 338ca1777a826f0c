/**
 * RFC 9457 problem details: the one place where an error becomes an HTTP status, a human
 * sentence and headers. `detail` is written here, never copied from a cause, so no SQL,
 * stack or token can leak into a response.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import {
  FeedCursorExpired,
  FieldIssue,
  RepositoryUnavailable,
  sentenceFor,
  TaskNotFound,
  ValidationFailed,
  VersionMismatch
} from "@todo/core"
import { ParseResult, Schema } from "effect"
import {
  InvalidToken,
  MalformedJson,
  OriginNotAllowed,
  PayloadTooLarge,
  RateLimited,
  StreamLimitReached,
  UnsupportedMediaType,
  UriTooLong,
  UserMismatch
} from "./RequestErrors.js"

export const ProblemDocument = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.String,
  errors: Schema.optional(Schema.Array(FieldIssue))
}).annotations({ identifier: "Problem", description: "RFC 9457 problem details" })
export type ProblemDocument = typeof ProblemDocument.Type

export interface Problem {
  readonly document: ProblemDocument
  readonly headers?: Readonly<Record<string, string>>
}

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  410: "Gone",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable"
}

/** How long a client should wait before retrying while the database is away. */
export const RETRY_AFTER_SECONDS = 5

/** `about:blank` problems: the status says what kind of problem it is, `detail` says the rest. */
export const titleOf = (status: number): string => TITLES[status] ?? "Error"

export const make = (
  status: number,
  detail: string,
  extra?: { readonly errors?: ReadonlyArray<FieldIssue>; readonly headers?: Readonly<Record<string, string>> }
): Problem => ({
  document: {
    type: "about:blank",
    title: titleOf(status),
    status,
    detail,
    ...(extra?.errors === undefined ? {} : { errors: extra.errors })
  },
  ...(extra?.headers === undefined ? {} : { headers: extra.headers })
})

/** Every error the API reports on purpose. Anything else is a defect (500). */
export type KnownError =
  | TaskNotFound
  | ValidationFailed
  | VersionMismatch
  | FeedCursorExpired
  | RepositoryUnavailable
  | InvalidToken
  | UserMismatch
  | OriginNotAllowed
  | MalformedJson
  | UnsupportedMediaType
  | PayloadTooLarge
  | UriTooLong
  | RateLimited
  | StreamLimitReached

const STATUS = {
  MalformedJson: 400,
  InvalidToken: 401,
  UserMismatch: 403,
  OriginNotAllowed: 403,
  TaskNotFound: 404,
  FeedCursorExpired: 410,
  VersionMismatch: 412,
  PayloadTooLarge: 413,
  UriTooLong: 414,
  UnsupportedMediaType: 415,
  ValidationFailed: 422,
  RateLimited: 429,
  StreamLimitReached: 429,
  RepositoryUnavailable: 503
} as const satisfies Record<KnownError["_tag"], number>

const detailOf = (error: KnownError): string => {
  switch (error._tag) {
    case "TaskNotFound":
    case "ValidationFailed":
    case "VersionMismatch":
    case "FeedCursorExpired":
    case "RepositoryUnavailable":
      return sentenceFor(error)
    case "InvalidToken":
      return error.tokenSent ? "The bearer token was refused." : "A bearer token is required."
    default:
      return error.message
  }
}

const headersOf = (error: KnownError): Readonly<Record<string, string>> | undefined => {
  switch (error._tag) {
    case "InvalidToken":
      return { "www-authenticate": error.tokenSent ? `Bearer error="invalid_token"` : "Bearer" }
    case "RepositoryUnavailable":
      return { "retry-after": String(RETRY_AFTER_SECONDS) }
    case "RateLimited":
    case "StreamLimitReached":
      return { "retry-after": String(error.retryAfterSeconds) }
    // The rest of an oversized request is not worth reading: close once the answer is sent.
    case "PayloadTooLarge":
    case "UriTooLong":
      return { connection: "close" }
    default:
      return undefined
  }
}

export const fromError = (error: KnownError): Problem => {
  const headers = headersOf(error)
  return make(STATUS[error._tag], detailOf(error), {
    ...(error._tag === "ValidationFailed" ? { errors: error.issues } : {}),
    ...(headers === undefined ? {} : { headers })
  })
}

const KNOWN_TAGS: ReadonlySet<unknown> = new Set(Object.keys(STATUS))

export const isKnownError = (error: unknown): error is KnownError =>
  typeof error === "object" && error !== null && "_tag" in error && KNOWN_TAGS.has(error._tag)

export const toResponse = (problem: Problem): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(problem.document, {
    status: problem.document.status,
    contentType: "application/problem+json",
    ...(problem.headers === undefined ? {} : { headers: problem.headers })
  })

/**
 * An error as the Api declares it: typed as the error itself, documented and encoded as the
 * problem document with its status.
 */
const declared = <A extends KnownError, I>(
  error: Schema.Schema<A, I> & { readonly _tag: A["_tag"] },
  description: string
) =>
  Schema.transformOrFail(ProblemDocument, Schema.typeSchema(error), {
    strict: true,
    decode: (document, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, document, "a problem is encode-only")),
    encode: (value) => ParseResult.succeed(fromError(value).document)
  }).annotations(HttpApiSchema.annotations({ status: STATUS[error._tag], description })).pipe(
    HttpApiSchema.withEncoding({ kind: "Json", contentType: "application/problem+json" })
  )

export const Declared = {
  MalformedJson: declared(MalformedJson, "The body is not valid JSON, or is missing"),
  InvalidToken: declared(InvalidToken, "No, a malformed, an expired or a badly signed bearer token"),
  UserMismatch: declared(UserMismatch, "{user_id} is not the token's subject"),
  OriginNotAllowed: declared(OriginNotAllowed, "An Origin header that CORS_ORIGINS does not list"),
  FeedCursorExpired: declared(FeedCursorExpired, "The changes after this cursor were dropped (retention): start again from a full list"),
  TaskNotFound: declared(TaskNotFound, "No such task for this user, or an id that is not a positive integer"),
  VersionMismatch: declared(VersionMismatch, "If-Match names none of the task's current version"),
  PayloadTooLarge: declared(PayloadTooLarge, "The body is over 64 KiB"),
  UnsupportedMediaType: declared(UnsupportedMediaType, "A body that is not application/json"),
  ValidationFailed: declared(ValidationFailed, "Valid JSON, or query parameters, that break a rule; see errors"),
  RateLimited: declared(RateLimited, "Too many requests from this user; see Retry-After"),
  RepositoryUnavailable: declared(RepositoryUnavailable, "The database is unreachable; see Retry-After")
}
