/**
 * Webhooks: where every change is POSTed (`WEBHOOK_URL`) and the Standard Webhooks secret it is
 * signed with (`WEBHOOK_SECRET`, `whsec_` and 24 to 64 random bytes in base64). Both or neither.
 */
import { Config, ConfigError, Either, Option, Redacted } from "effect"
import * as Setting from "./Setting.js"

export interface WebhookConfig {
  readonly url: URL
  readonly secret: Redacted.Redacted<string>
  /**
   * Internal, for tests only (TODO_INTERNAL_WEBHOOK_TIME_SCALE, undocumented): multiplies the
   * retry delays, the attempt timeout and the lease, so a test need not wait minutes.
   */
  readonly timeScale: number
}

const SECRET_PREFIX = "whsec_"
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

const secretRule: Setting.Parse<Redacted.Redacted<string>> = (text) => {
  const key = text.trim().startsWith(SECRET_PREFIX) ? text.trim().slice(SECRET_PREFIX.length) : undefined
  const bytes = key !== undefined && BASE64.test(key) ? Buffer.from(key, "base64").length : 0
  return bytes >= 24 && bytes <= 64
    ? Either.right(Redacted.make(text.trim()))
    : Either.left("must be whsec_ followed by 24 to 64 random bytes in base64 (generate one with: echo whsec_$(openssl rand -base64 32))")
}

const receiver = Setting.url(["http:", "https:"], "must be an absolute http(s) URL")

export const config: Config.Config<Option.Option<WebhookConfig>> = Config.all({
  url: Setting.optional("WEBHOOK_URL", receiver),
  secret: Setting.optional("WEBHOOK_SECRET", secretRule),
  timeScale: Setting.withDefault("TODO_INTERNAL_WEBHOOK_TIME_SCALE", Setting.number({ min: 0.001 }), 1)
}).pipe(Config.mapOrFail(({ secret, timeScale, url }) => {
  if (Option.isSome(url) && Option.isSome(secret)) return Either.right(Option.some({ url: url.value, secret: secret.value, timeScale }))
  if (Option.isSome(url)) return Either.left(ConfigError.InvalidData(["WEBHOOK_SECRET"], "must be set when WEBHOOK_URL is"))
  if (Option.isSome(secret)) return Either.left(ConfigError.InvalidData(["WEBHOOK_URL"], "must be set when WEBHOOK_SECRET is"))
  return Either.right(Option.none())
}))
