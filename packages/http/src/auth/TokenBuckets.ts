/**
 * Per-user token buckets in this process's memory, one small record per user in a Map. No timer runs
 * per user: a bucket is refilled by the time elapsed when it is next used. The Map is kept in
 * least-recently-used order and trimmed to `maxUsers`, so memory stays bounded however many
 * users come by; a user dropped that way had been idle the longest and starts with a full bucket.
 */
export interface TokenBucketOptions {
  /** Requests per minute, the steady rate; 0 turns the limit off. */
  readonly perMinute: number
  /** Requests that may be sent at once, the size of the bucket. */
  readonly burst: number
  readonly maxUsers?: number
  /** Milliseconds, from any fixed origin. */
  readonly now?: () => number
}

export interface TokenBuckets {
  /** Spends one request of `user`: 0 when allowed, else the whole seconds to wait before retrying. */
  readonly take: (user: string) => number
  readonly size: () => number
}

interface Bucket {
  tokens: number
  at: number
}

export const DEFAULT_MAX_USERS = 50_000

export const make = (options: TokenBucketOptions): TokenBuckets => {
  const { burst, perMinute } = options
  const maxUsers = options.maxUsers ?? DEFAULT_MAX_USERS
  const now = options.now ?? performance.now.bind(performance)
  const perMs = perMinute / 60_000
  const buckets = new Map<string, Bucket>()
  if (perMinute === 0) return { take: () => 0, size: () => 0 }
  return {
    take: (user) => {
      const at = now()
      let bucket = buckets.get(user)
      if (bucket === undefined) {
        bucket = { tokens: burst, at }
        if (buckets.size >= maxUsers) buckets.delete(buckets.keys().next().value!)
      } else {
        bucket.tokens = Math.min(burst, bucket.tokens + (at - bucket.at) * perMs)
        bucket.at = at
        // Re-inserted, so the Map's first key is always the least recently seen user.
        buckets.delete(user)
      }
      buckets.set(user, bucket)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return 0
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000))
    },
    size: () => buckets.size
  }
}
