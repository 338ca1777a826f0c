/** What can be wrong with a request before any use-case runs. The statuses live in `Problem.ts`. */
import { Schema } from "effect"

/** No bearer token, or one the verifier refused; `tokenSent` decides the `WWW-Authenticate` error parameter. */
export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", {
  reason: Schema.String,
  tokenSent: Schema.Boolean
}) {}

/** `{user_id}` in the path names someone other than the token's subject. */
export class UserMismatch extends Schema.TaggedError<UserMismatch>()("UserMismatch", {}) {
  override get message() {
    return "The user in the path is not the user of the bearer token."
  }
}

export class MalformedJson extends Schema.TaggedError<MalformedJson>()("MalformedJson", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {}) {
  override get message() {
    return "The request body must be sent as application/json."
  }
}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limit: Schema.Number
}) {
  override get message() {
    return `The request body is larger than ${this.limit} bytes.`
  }
}

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  retryAfterSeconds: Schema.Number
}) {
  override get message() {
    return `Too many requests; retry in ${this.retryAfterSeconds} s.`
  }
}

export class UriTooLong extends Schema.TaggedError<UriTooLong>()("UriTooLong", {
  limit: Schema.Number
}) {
  override get message() {
    return `The request target is longer than ${this.limit} bytes.`
  }
}

/** An `Origin` that `CORS_ORIGINS` does not list, on the route that refuses one (the MCP transport's rule). */
export class OriginNotAllowed extends Schema.TaggedError<OriginNotAllowed>()("OriginNotAllowed", {}) {
  override get message() {
    return "Requests from this origin are not allowed."
  }
}

/** A user already holds as many event streams on this instance as one may. */
export class StreamLimitReached extends Schema.TaggedError<StreamLimitReached>()("StreamLimitReached", {
  limit: Schema.Number,
  retryAfterSeconds: Schema.Number
}) {
  override get message() {
    return `At most ${this.limit} event streams per user may be open at once; close one, or retry in ${this.retryAfterSeconds} s.`
  }
}
