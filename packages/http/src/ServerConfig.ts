/** The server's settings from the environment, checked once at start-up. */
import { Config, ConfigError, Either, LogLevel } from "effect"

export interface ServerConfig {
  readonly port: number
  readonly host: string
  /** Exact origins allowed to call the API from a browser; `*` for any (without credentials). */
  readonly corsOrigins: ReadonlyArray<string>
  readonly logLevel: LogLevel.LogLevel
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

export const ServerConfig: Config.Config<ServerConfig> = Config.all({
  port: Config.port("PORT").pipe(Config.withDefault(8000)),
  host: Config.string("HOST").pipe(Config.withDefault("0.0.0.0")),
  corsOrigins: Config.string("CORS_ORIGINS").pipe(Config.withDefault(""), Config.mapOrFail(parseOrigins)),
  logLevel: Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))
})
