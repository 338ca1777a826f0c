/** Where the tasks live: PostgreSQL at `DATABASE_URL`, else the embedded database in `DATA_DIR`. */
import { Config, Either, Option, Redacted } from "effect"
import * as Setting from "./Setting.js"

export interface DatabaseConfig {
  /** A PostgreSQL server; none: the embedded database in `dataDir`. */
  readonly url: Option.Option<Redacted.Redacted<string>>
  /** Where the embedded database (and the development secret) live. */
  readonly dataDir: string
  /** Connections in a server's pool. */
  readonly poolMax: number
  /** How long start-up keeps trying to reach the server (0: no retry). */
  readonly connectTimeoutSeconds: number
  /**
   * Where a server process LISTENs for other processes' changes; none: `url`, unless that is a
   * pooler's (which does not carry LISTEN), and then the feed is polled.
   */
  readonly listenUrl: Option.Option<Redacted.Redacted<string>>
}

const SERVER_PROTOCOLS = ["postgres:", "postgresql:"]

/** Checked before any connection is tried, so a malformed URL fails at once rather than after the retries. */
const serverUrl: Setting.Parse<Redacted.Redacted<string>> = (text) =>
  Either.map(
    Setting.url(SERVER_PROTOCOLS, "must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/database")(text),
    () => Redacted.make(text.trim())
  )

export const url = Setting.optional("DATABASE_URL", serverUrl)
export const dataDir = Setting.withDefault("DATA_DIR", Setting.text, "./.data")
export const poolMax = Setting.withDefault("DATABASE_POOL_MAX", Setting.integer({ min: 1 }), 10)
export const connectTimeoutSeconds = Setting.withDefault("DATABASE_CONNECT_TIMEOUT_S", Setting.integer({ min: 0 }), 30)

export const listenUrl = Setting.optional("DATABASE_LISTEN_URL", serverUrl)

export const config: Config.Config<DatabaseConfig> = Config.all({ url, dataDir, poolMax, connectTimeoutSeconds, listenUrl })

/** Neon's pooled hosts (`ep-…-pooler.…`) run PgBouncer in transaction mode: a LISTEN there hears nothing. */
export const isPooled = (url: Redacted.Redacted<string>): boolean => new URL(Redacted.value(url)).hostname.includes("-pooler")

/** Where to LISTEN, if anywhere: `DATABASE_LISTEN_URL`, else `DATABASE_URL` unless it is pooled. */
export const listenUrlOf = (config: DatabaseConfig): Option.Option<Redacted.Redacted<string>> =>
  Option.orElse(config.listenUrl, () => Option.filter(config.url, (url) => !isPooled(url)))

const DEFAULT_PORT = "5432"

/** Where a server URL points, for an operator's messages: `host:port`, never the credentials. */
export const addressOf = (url: Redacted.Redacted<string>): string => {
  const { hostname, port } = new URL(Redacted.value(url))
  return `${hostname === "" ? "localhost" : hostname}:${port === "" ? DEFAULT_PORT : port}`
}
