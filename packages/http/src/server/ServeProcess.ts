/** One server process: reads the configuration, opens the database, verifies tokens, serves HTTP. */
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Database } from "@todo/postgres"
import { Cause, Console, Effect, Layer, Logger, LogLevel, Option } from "effect"
import * as AuthConfig from "../auth/AuthConfig.js"
import * as JsonLogger from "./JsonLogger.js"
import { JwtVerifier } from "../auth/JwtVerifier.js"
import * as Server from "./Server.js"
import { ServerConfig } from "./ServerConfig.js"

const announce = Layer.effectDiscard(Effect.gen(function*() {
  const { address } = yield* HttpServer.HttpServer
  if (address._tag !== "TcpAddress") return
  yield* Effect.logInfo("listening").pipe(Effect.annotateLogs("url", `http://${address.hostname}:${address.port}`))
  const banner = yield* AuthConfig.developmentBanner(`http://localhost:${address.port}`)
  if (Option.isSome(banner)) yield* Console.error(banner.value)
}))

const describe = (error: unknown): string => {
  if (typeof error !== "object" || error === null || !("_tag" in error)) return String(error)
  switch (error._tag) {
    case "ServeError":
      return "cannot listen: the port may be in use, or HOST is not an address of this machine"
    case "RepositoryUnavailable":
    case "MigrationFailed":
      return String((error as { message?: unknown }).message)
    default:
      return `invalid configuration: ${String(error)}`
  }
}

const serve = Effect.gen(function*() {
  const config = yield* ServerConfig
  const { settings } = yield* AuthConfig.load
  const server = announce.pipe(
    Layer.provide(Server.layer({
      port: config.port,
      host: config.host,
      corsOrigins: config.corsOrigins,
      accessLog: LogLevel.lessThanEqual(config.logLevel, LogLevel.Info),
      rateLimit: {
        perMinute: config.rateLimitPerMinute,
        burst: config.rateLimitBurst,
        redisUrl: Option.getOrUndefined(config.redisUrl)
      },
      shutdownTimeoutSeconds: config.shutdownTimeoutSeconds,
      requestTimeoutSeconds: config.requestTimeoutSeconds,
      authorizationServer: settings.betterAuthUrl?.href.replace(/\/$/, "")
    })),
    Layer.provide(JwtVerifier.layerFromEnv),
    Layer.provide(Database.layer)
  )
  return yield* Layer.launch(server).pipe(Logger.withMinimumLogLevel(config.logLevel))
}).pipe(
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(
      `todo-api: ${Option.match(Cause.failureOption(cause), { onSome: describe, onNone: () => Cause.pretty(cause) })}`
    )
  ),
  Effect.provide(JsonLogger.layer)
)

// Interrupted by SIGINT/SIGTERM, the server stops accepting, lets requests in flight finish (up to
// SHUTDOWN_TIMEOUT_S), then closes the pool.
NodeRuntime.runMain(serve, { disableErrorReporting: true, disablePrettyLogger: true })
