/** One server process: opens the database, verifies tokens, serves HTTP, with the settings `main` read. */
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { type ApiConfig, AuthConfig, DatabaseConfig, Setting } from "@todo/config"
import { ChangeSignal, RepositoryUnavailable } from "@todo/core"
import { ChangeListener, Database, MigrationFailed, PgWebhookOutbox } from "@todo/postgres"
import { Cause, Console, ConfigError, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { developmentBanner } from "../auth/DevelopmentBanner.js"
import { JwtVerifier } from "../auth/JwtVerifier.js"
import * as FeedRetention from "./FeedRetention.js"
import * as JsonLogger from "./JsonLogger.js"
import * as ReminderScheduler from "./ReminderScheduler.js"
import * as Server from "./Server.js"
import * as WebhookDelivery from "./WebhookDelivery.js"

const announce = (auth: AuthConfig.ResolvedAuth) =>
  Layer.effectDiscard(Effect.gen(function*() {
    const { address } = yield* HttpServer.HttpServer
    if (address._tag !== "TcpAddress") return
    yield* Effect.logInfo("listening").pipe(Effect.annotateLogs("url", `http://${address.hostname}:${address.port}`))
    const banner = yield* developmentBanner(auth, `http://localhost:${address.port}`)
    if (Option.isSome(banner)) yield* Console.error(banner.value)
  }))

const LISTEN_HINTS: Readonly<Record<string, string>> = {
  EADDRINUSE: "the port is in use",
  EADDRNOTAVAIL: "HOST is not an address of this machine",
  EACCES: "the port needs privileges this process lacks",
  ENOTFOUND: "HOST is not a known name"
}

const cannotListen = (cause: unknown, { host, port }: { readonly host: string; readonly port: number }): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "unknown error"
  const hint = LISTEN_HINTS[code]
  return `cannot listen on ${host}:${port}: ${code}${hint === undefined ? "" : ` (${hint})`}`
}

/** Start-up failures as an operator reads them: what, where (host:port) and what the OS said. */
const describe = (config: ApiConfig.ApiConfig) => (error: unknown): ReadonlyArray<string> => {
  if (ConfigError.isConfigError(error)) return Setting.problemsOf(error).map((problem) => `invalid configuration: ${problem}`)
  if (error instanceof RepositoryUnavailable) {
    return [Option.match(config.database.url, {
      onNone: () => error.reason,
      onSome: (url) =>
        `${error.reason}; DATABASE_URL points at ${DatabaseConfig.addressOf(url)}${error.code === undefined ? "" : ` (${error.code})`}`
    })]
  }
  if (error instanceof MigrationFailed) return [error.message]
  if (error instanceof HttpServerError.ServeError) return [cannotListen(error.cause, config.server)]
  return [String(error)]
}

const serve = (config: ApiConfig.ApiConfig) =>
  Effect.gen(function*() {
    const auth = yield* AuthConfig.resolve(config.auth, config.database.dataDir)
    // Beside the server, on their own fibers: reminders and webhook deliveries never hold a request.
    const background = Layer.mergeAll(
      ReminderScheduler.layer,
      Option.match(config.webhooks, { onNone: () => WebhookDelivery.disabled, onSome: WebhookDelivery.layer })
    ).pipe(Layer.provide(PgWebhookOutbox.layer))
    const server = announce(auth).pipe(
      Layer.provide(Server.layer({
        port: config.server.port,
        host: config.server.host,
        corsOrigins: config.server.corsOrigins,
        accessLog: LogLevel.lessThanEqual(config.server.logLevel, LogLevel.Info),
        rateLimit: {
          perMinute: config.server.rateLimitPerMinute,
          burst: config.server.rateLimitBurst,
          redisUrl: Option.getOrUndefined(config.server.redisUrl)
        },
        shutdownTimeoutSeconds: config.server.shutdownTimeoutSeconds,
        requestTimeoutSeconds: config.server.requestTimeoutSeconds,
        authorizationServer: auth.settings.betterAuthUrl?.href.replace(/\/$/, "")
      })),
      Layer.provide(JwtVerifier.layer(auth.settings)),
      Layer.merge(ChangeListener.layer(config.database)),
      Layer.merge(FeedRetention.layer(config.feed.retentionHours)),
      Layer.merge(background),
      Layer.provide(Database.layerOf(config.database)),
      Layer.provide(ChangeSignal.layer)
    )
    return yield* Layer.launch(server)
  }).pipe(
    Logger.withMinimumLogLevel(config.server.logLevel),
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Console.error(
        Option.match(Cause.failureOption(cause), { onSome: describe(config), onNone: () => [Cause.pretty(cause)] })
          .map((line) => `todo-api: ${line}`)
          .join("\n")
      )
    ),
    Effect.provide(JsonLogger.layer)
  )

/**
 * Serves until SIGINT/SIGTERM, which stop accepting, let requests in flight finish (up to
 * SHUTDOWN_TIMEOUT_S), then close the pool. A failure exits 1, whatever it is.
 */
export const run = (config: ApiConfig.ApiConfig): void =>
  NodeRuntime.runMain(serve(config), { disableErrorReporting: true, disablePrettyLogger: true })
