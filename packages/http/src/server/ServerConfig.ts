/** The server's settings from the environment, checked once at start-up. */
import { Config, ConfigError, Either, LogLevel, Option, Redacted } from "effect"

export interface ServerConfig {
  readonly port: number
  readonly host: string
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

const parseOrigins = (text: string): Either.Either<ReadonlyArray<string>, ConfigError.ConfigError> => {
  const origins = text.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")
  const invalid = origins.find((origin) => origin !== "*" && (!URL.canParse(origin) || new URL(origin).origin !== origin))
  return invalid === undefined
    ? Either.right(origins)
    : Either.left(ConfigError.InvalidData(
      ["CORS_ORIGINS"],
      `"${invalid}" is not an origin: write scheme://host[:port], with no path or trailing slash`
    ))
}

const REDIS_PROTOCOLS = ["redis:", "rediss:"]

const redisUrl = Config.option(Config.redacted("REDIS_URL")).pipe(
  // `REDIS_URL=` in a .env file means "none".
  Config.map(Option.filter((url) => Redacted.value(url).trim() !== "")),
  Config.mapOrFail(Option.match({
    onNone: () => Either.right(Option.none<Redacted.Redacted<URL>>()),
    onSome: (url) => {
      const text = Redacted.value(url).trim()
      return URL.canParse(text) && REDIS_PROTOCOLS.includes(new URL(text).protocol)
        ? Either.right(Option.some(Redacted.make(new URL(text))))
        : Either.left(ConfigError.InvalidData(["REDIS_URL"], "must be a redis:// or rediss:// URL"))
    }
  }))
)

const atLeast = (name: string, minimum: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `must be an integer of at least ${minimum}`, validation: (value) => value >= minimum })
  )

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600

/** Ten seconds' worth of requests by default. */
const defaultBurst = (perMinute: number) => Math.max(1, Math.ceil(perMinute / 6))

export const ServerConfig: Config.Config<ServerConfig> = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(8000)),
  host: Config.string("HOST").pipe(Config.withDefault("0.0.0.0")),
  corsOrigins: Config.string("CORS_ORIGINS").pipe(Config.withDefault(""), Config.mapOrFail(parseOrigins)),
  logLevel: Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
  rateLimitPerMinute: atLeast("RATE_LIMIT_PER_MINUTE", 0).pipe(Config.withDefault(DEFAULT_RATE_LIMIT_PER_MINUTE)),
  rateLimitBurst: Config.option(atLeast("RATE_LIMIT_BURST", 1)),
  redisUrl,
  shutdownTimeoutSeconds: atLeast("SHUTDOWN_TIMEOUT_S", 0).pipe(Config.withDefault(10)),
  requestTimeoutSeconds: atLeast("REQUEST_TIMEOUT_S", 1).pipe(Config.withDefault(30))
}).pipe(Config.map(({ rateLimitBurst, ...config }) => ({
  ...config,
  rateLimitBurst: rateLimitBurst._tag === "Some" ? rateLimitBurst.value : defaultBurst(config.rateLimitPerMinute)
})))
