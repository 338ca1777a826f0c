/**
 * The rate limit every instance shares, counted in Redis by `rate-limiter-flexible` in fixed
 * windows (its `BurstyRateLimiter`): the steady rate in windows of a few whole seconds, and the
 * rest of the burst as an allowance a minute, spent only once the steady window is used up.
 * Hammered from rest, a user gets the burst at once and then the steady rate, as from the
 * in-process token bucket (up to one steady window's worth less). Fixed windows differ from the
 * bucket at their edges (up to a window's worth more in an instant) and beyond a minute (the
 * burst allowance comes back each minute, where the bucket refills it only while the user rests).
 *
 * Redis is protection, not a dependency: a request that Redis does not count within the deadline
 * is counted in this process's own token buckets, and once a PING fails too (at once when Redis
 * is not connected) every request is, each process counting alone (logged once), until a probe
 * finds Redis answering again (logged once). One slow answer on a busy machine is not an outage.
 */
import { Duration, Effect, Layer, Redacted, Schedule } from "effect"
import { Redis } from "ioredis"
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"
import { RateLimited } from "../problems/RequestErrors.js"
import { inProcess, type RateLimiter, UserRateLimit } from "./RateLimit.js"
import * as TokenBuckets from "./TokenBuckets.js"

export interface SharedRateLimitOptions {
  readonly perMinute: number
  readonly burst: number
  readonly redisUrl: Redacted.Redacted<URL>
}

/** The most a request waits on Redis (one or two commands) before it is counted in this process instead. */
const DEADLINE_MS = 500
/** How long start-up waits for a first connection before serving with the in-process count. */
const CONNECT_WAIT = Duration.seconds(2)
const PROBE_INTERVAL = Duration.seconds(1)
/** The burst allowance comes back once a minute: a minute then holds at most rate + burst, as with the bucket. */
const BURST_WINDOW_SECONDS = 60

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/** The shortest window of whole seconds that holds a whole number of requests at `perMinute`: 1 s at 600. */
export const steadyWindow = (perMinute: number): { readonly seconds: number; readonly points: number } => {
  const divisor = gcd(perMinute, 60)
  return { seconds: 60 / divisor, points: perMinute / divisor }
}

/** host:port and database, never the password. */
const whereOf = (url: URL) => `${url.hostname}:${url.port || "6379"}${url.pathname.length > 1 ? url.pathname : ""}`

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** `promise`, or a failure once `ms` have passed without it settling. */
const within = <A>(promise: Promise<A>, ms: number): Promise<A> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })

const ready = (client: Redis) =>
  Effect.async<void>((resume) => {
    if (client.status === "ready") return resume(Effect.void)
    const onReady = () => resume(Effect.void)
    client.once("ready", onReady)
    return Effect.sync(() => client.off("ready", onReady))
  })

/** A client that reconnects by itself and keeps the reason of its last connection error. */
const connect = (url: URL) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const client = new Redis(url.href, {
        // A command is refused at once while disconnected instead of waiting for a reconnection.
        enableOfflineQueue: false,
        connectTimeout: Duration.toMillis(CONNECT_WAIT),
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000)
      })
      const connection = { client, lastError: undefined as unknown }
      client.on("error", (error) => (connection.lastError = error))
      return connection
    }),
    ({ client }) => Effect.sync(() => client.disconnect())
  )

/** The steady window, then the rest of the burst once it is used up. */
const counterOf = (client: Redis, options: SharedRateLimitOptions): RateLimiterRedis | BurstyRateLimiter => {
  const steady = steadyWindow(options.perMinute)
  const steadyCount = new RateLimiterRedis({
    storeClient: client,
    keyPrefix: "todo-api:rate",
    points: steady.points,
    duration: steady.seconds
  })
  // The steady window's first points are part of the burst; a burst smaller than them cannot be honoured.
  if (options.burst <= steady.points) return steadyCount
  return new BurstyRateLimiter(
    steadyCount,
    new RateLimiterRedis({
      storeClient: client,
      keyPrefix: "todo-api:burst",
      points: options.burst - steady.points,
      duration: BURST_WINDOW_SECONDS
    })
  )
}

export const layer = (options: SharedRateLimitOptions): Layer.Layer<UserRateLimit> =>
  Layer.scoped(
    UserRateLimit,
    Effect.gen(function*() {
      const url = Redacted.value(options.redisUrl)
      const annotations = { redis: whereOf(url) }
      const connection = yield* connect(url)
      const { client } = connection
      const counter = counterOf(client, options)
      const local = inProcess(TokenBuckets.make(options))

      let shared = true
      const fallBack = (error: unknown) => {
        if (!shared) return Effect.void
        shared = false
        return Effect.logWarning("Redis unreachable: rate limit counted in each process until it answers").pipe(
          Effect.annotateLogs({ ...annotations, reason: reasonOf(error) })
        )
      }
      const connected = yield* ready(client).pipe(
        Effect.timeoutTo({ duration: CONNECT_WAIT, onTimeout: () => false, onSuccess: () => true })
      )
      yield* connected
        ? Effect.logInfo("rate limit counted in Redis").pipe(Effect.annotateLogs(annotations))
        : fallBack(connection.lastError ?? `no connection within ${Duration.format(CONNECT_WAIT)}`)

      const answers = Effect.promise(() => within(client.ping(), DEADLINE_MS).then(() => true, () => false))
      let confirming = false
      /** After a failed count: Redis is given up on only if it does not answer a PING either. */
      const suspect = (error: unknown) => {
        if (!shared || confirming) return Effect.void
        confirming = true
        return Effect.forkDaemon(Effect.flatMap(answers, (answered) => {
          confirming = false
          return answered ? Effect.void : fallBack(error)
        }))
      }
      const probe = Effect.suspend(() =>
        shared ? Effect.void : Effect.flatMap(answers, (answered) => {
          if (!answered || shared) return Effect.void
          shared = true
          return Effect.logInfo("Redis answers again: rate limit counted in Redis").pipe(Effect.annotateLogs(annotations))
        })
      )
      yield* Effect.forkScoped(Effect.repeat(probe, Schedule.spaced(PROBE_INTERVAL)))

      const limiter: RateLimiter = {
        take: (user) =>
          shared
            ? Effect.async((resume) => {
              within(counter.consume(user), DEADLINE_MS).then(
                () => resume(Effect.void),
                (rejection: unknown) =>
                  resume(
                    rejection instanceof RateLimiterRes
                      ? Effect.fail(new RateLimited({ retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) }))
                      : Effect.zipRight(suspect(rejection), local.take(user))
                  )
              )
            })
            : local.take(user)
      }
      return limiter
    })
  )
