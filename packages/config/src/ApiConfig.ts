/**
 * Everything `todo-api` runs with, read and checked at once: every bad setting is reported, not
 * only the first. `todo-admin doctor` checks exactly this.
 */
import { Config, ConfigError, Either, Option } from "effect"
import * as AuthConfig from "./AuthConfig.js"
import * as DatabaseConfig from "./DatabaseConfig.js"
import * as FeedConfig from "./FeedConfig.js"
import * as ServerConfig from "./ServerConfig.js"
import * as WebhookConfig from "./WebhookConfig.js"

export interface ApiConfig {
  readonly database: DatabaseConfig.DatabaseConfig
  readonly server: ServerConfig.ServerConfig
  readonly auth: AuthConfig.AuthConfig
  readonly feed: FeedConfig.FeedConfig
  /** None when webhooks are off. */
  readonly webhooks: Option.Option<WebhookConfig.WebhookConfig>
}

export const config: Config.Config<ApiConfig> = Config.all({
  database: DatabaseConfig.config,
  server: ServerConfig.config,
  auth: AuthConfig.config,
  feed: FeedConfig.config,
  webhooks: WebhookConfig.config
}).pipe(Config.mapOrFail((api) =>
  // The embedded database belongs to one process: a second would find its data directory locked.
  api.server.webConcurrency > 1 && Option.isNone(api.database.url)
    ? Either.left(ConfigError.InvalidData(["WEB_CONCURRENCY"], "above 1 needs DATABASE_URL (the embedded database is one process's)"))
    : Either.right(api)
))
