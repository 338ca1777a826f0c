/** The HTTP server's settings: where it listens, how many processes, who may call from a browser, logs and limits. */
import { Config, Either, LogLevel, Option, Redacted } from "effect"
import { availableParallelism } from "node:os"
import * as Setting from "./Setting.js"

export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** Server processes under `node:cluster`. */
  readonly webConcurrency: number
  /** Exact origins allowed to call the API from a browser; `*` for any (without credentials). */
  readonly corsOrigins: ReadonlyArray<string>
  readonly logLevel: LogLevel.LogLevel
  /** Requests per user per minute; 0 turns the limit off. */
  readonly rateLimitPerMinute: number
  /** How many requests a user may send at once before the per-minute rate applies. */
  readonly rateLimitBurst: number
  /** Where every instance counts the rate limit; none: each process counts alone. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** How long requests in flight may take to finish once SIGTERM arrives. */
  readonly shutdownTimeoutSeconds: number
  /** A request whose headers and body take longer than this to arrive is cut off (slow clients). */
  readonly requestTimeoutSeconds: number
}

const origins: Setting.Parse<ReadonlyArray<string>> = (text) => {
  const list = text.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")
  const invalid = list.find((origin) => origin !== "*" && (!URL.canParse(origin) || new URL(origin).origin !== origin))
  return invalid === undefined
    ? Either.right(list)
    : Either.left(`"${invalid}" is not an origin: write scheme://host[:port], with no path or trailing slash`)
}

const processes: Setting.Parse<number> = (text) =>
  text.trim() === "auto"
    ? Either.right(availableParallelism())
    : Either.mapLeft(Setting.integer({ min: 1 })(text), () => `must be auto or a whole number of at least 1, not "${text}"`)

/** Kept redacted: a Redis URL often carries a password. */
const redis: Setting.Parse<Redacted.Redacted<URL>> = (text) =>
  Either.map(Setting.url(["redis:", "rediss:"], "must be a redis:// or rediss:// URL")(text), Redacted.make)

export const redisUrl = Setting.optional("REDIS_URL", redis)

/** Effect's own names (`warn`, `off`, …) and the ones the README lists (`warning`, `none`). */
const LOG_LEVELS: ReadonlyMap<string, LogLevel.LogLevel> = new Map([
  ...LogLevel.allLevels.map((level) => [level.label.toLowerCase(), level] as const),
  ["warning", LogLevel.Warning],
  ["none", LogLevel.None]
])

const logLevel: Setting.Parse<LogLevel.LogLevel> = (text) => {
  const level = LOG_LEVELS.get(text.trim().toLowerCase())
  return level === undefined
    ? Either.left(`must be one of trace, debug, info, warning, error, fatal or none, not "${text}"`)
    : Either.right(level)
}

/** Ten seconds' worth of requests. */
const defaultBurst = (perMinute: number) => Math.max(1, Math.ceil(perMinute / 6))

export const config: Config.Config<ServerConfig> = Config.all({
  port: Setting.withDefault("PORT", Setting.integer({ min: 1, max: 65_535 }), 8000),
  host: Setting.withDefault("HOST", Setting.text, "0.0.0.0"),
  webConcurrency: Setting.withDefault("WEB_CONCURRENCY", processes, 1),
  corsOrigins: Setting.withDefault("CORS_ORIGINS", origins, []),
  logLevel: Setting.withDefault("LOG_LEVEL", logLevel, LogLevel.Info),
  rateLimitPerMinute: Setting.withDefault("RATE_LIMIT_PER_MINUTE", Setting.integer({ min: 0 }), 600),
  rateLimitBurst: Setting.optional("RATE_LIMIT_BURST", Setting.integer({ min: 1 })),
  redisUrl,
  shutdownTimeoutSeconds: Setting.withDefault("SHUTDOWN_TIMEOUT_S", Setting.integer({ min: 0 }), 10),
  requestTimeoutSeconds: Setting.withDefault("REQUEST_TIMEOUT_S", Setting.integer({ min: 1 }), 30)
}).pipe(Config.map(({ rateLimitBurst, ...settings }) => ({
  ...settings,
  rateLimitBurst: Option.getOrElse(rateLimitBurst, () => defaultBurst(settings.rateLimitPerMinute))
})))
