/**
 * The per-user rate limit the task routes spend a request through. Without a Redis URL each
 * process counts alone in its own token buckets; with one, every instance counts in Redis
 * (`SharedRateLimit`, loaded only then, so a server without Redis never loads its client).
 */
import { Context, Effect, Layer, type Redacted } from "effect"
import { RateLimited } from "../problems/RequestErrors.js"
import * as TokenBuckets from "./TokenBuckets.js"

export interface RateLimitOptions {
  /** Requests per user per minute, the steady rate; 0 turns the limit off. */
  readonly perMinute: number
  /** Requests a user may send at once. */
  readonly burst: number
  /** Where every instance counts; none: this process counts alone. */
  readonly redisUrl?: Redacted.Redacted<URL> | undefined
}

export interface RateLimiter {
  /** Spends one request of `user`, or fails with the whole seconds to wait. */
  readonly take: (user: string) => Effect.Effect<void, RateLimited>
}

/** The limiter over this process's buckets: no allocation for an allowed request. */
export const inProcess = (buckets: TokenBuckets.TokenBuckets): RateLimiter => ({
  take: (user) => {
    const wait = buckets.take(user)
    return wait === 0 ? Effect.void : Effect.fail(new RateLimited({ retryAfterSeconds: wait }))
  }
})

const unlimited: RateLimiter = { take: () => Effect.void }

export class UserRateLimit extends Context.Tag("@todo/http/UserRateLimit")<UserRateLimit, RateLimiter>() {
  static readonly layer = (options: RateLimitOptions): Layer.Layer<UserRateLimit> => {
    if (options.perMinute === 0) return Layer.succeed(UserRateLimit, unlimited)
    const { redisUrl } = options
    if (redisUrl === undefined) return Layer.sync(UserRateLimit, () => inProcess(TokenBuckets.make(options)))
    return Layer.unwrapEffect(
      Effect.promise(() => import("./SharedRateLimit.js")).pipe(
        Effect.map((shared) => shared.layer({ perMinute: options.perMinute, burst: options.burst, redisUrl }))
      )
    )
  }
}
