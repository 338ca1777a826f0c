/**
 * Which bearer tokens the API accepts: HS256 signed with `BETTER_AUTH_SECRET`, and/or tokens
 * signed with the keys Better Auth publishes (its JWKS); outside production, with neither, HS256
 * with the development secret.
 */
import { Config, ConfigError, Duration, Effect, Either, Option, Redacted } from "effect"
import * as DevelopmentSecret from "./DevelopmentSecret.js"
import * as Setting from "./Setting.js"

/** The verifier's settings. A mode is on when its key material is given. */
export interface AuthConfig {
  /** HS256 mode: the key is the UTF-8 bytes of this secret. */
  readonly secret?: Redacted.Redacted<string> | undefined
  /** JWKS mode: where the issuer publishes its public keys. */
  readonly jwksUrl?: URL | undefined
  /** Better Auth's base URL: its origin is the `iss` and `aud` JWKS tokens must carry by default. */
  readonly betterAuthUrl?: URL | undefined
  /** `iss` required of every token, HS256 included. */
  readonly issuer?: string | undefined
  /** `aud` required of every token, HS256 included. */
  readonly audience?: string | undefined
  /** Leeway for `exp`, `nbf` and `iat`. */
  readonly clockToleranceSeconds: number
  /** After a JWKS fetch, how long an unknown `kid` waits before it may trigger another. */
  readonly jwksCooldown: Duration.Duration
  /** `NODE_ENV=production`: an auth mode is required. */
  readonly production: boolean
}

/** Also the verifier's, when it is given no setting. */
export const DEFAULT_CLOCK_TOLERANCE_S = 5
export const DEFAULT_JWKS_COOLDOWN_S = 30

const secretRule: Setting.Parse<Redacted.Redacted<string>> = (text) =>
  DevelopmentSecret.isLongEnough(text)
    ? Either.right(Redacted.make(text))
    : Either.left(`must be at least ${DevelopmentSecret.MIN_SECRET_BYTES} bytes (generate one with: openssl rand -base64 32)`)

const httpUrl = Setting.url(["http:", "https:"], "must be an absolute http(s) URL")

export const secret = Setting.optional("BETTER_AUTH_SECRET", secretRule)
export const betterAuthUrl = Setting.optional("BETTER_AUTH_URL", httpUrl)

/** `JWT_JWKS_URL`, else where Better Auth at `BETTER_AUTH_URL` publishes its keys. */
export const jwksUrl: Config.Config<Option.Option<URL>> = Config.zipWith(
  Setting.optional("JWT_JWKS_URL", httpUrl),
  betterAuthUrl,
  (explicit, base) => Option.orElse(explicit, () => Option.map(base, (url) => new URL(`${url.href.replace(/\/+$/, "")}/api/auth/jwks`)))
)

export const issuer = Setting.optional("JWT_ISSUER", Setting.text)
export const audience = Setting.optional("JWT_AUDIENCE", Setting.text)
export const production = Config.map(Setting.withDefault("NODE_ENV", Setting.text, "development"), (env) => env === "production")

const fields = Config.all({
  secret,
  betterAuthUrl,
  jwksUrl,
  issuer,
  audience,
  clockToleranceSeconds: Setting.withDefault("JWT_CLOCK_TOLERANCE_S", Setting.integer({ min: 0 }), DEFAULT_CLOCK_TOLERANCE_S),
  jwksCooldownSeconds: Setting.withDefault("JWT_JWKS_COOLDOWN_S", Setting.number({ min: 0 }), DEFAULT_JWKS_COOLDOWN_S),
  production
})

export const config: Config.Config<AuthConfig> = Config.mapOrFail(fields, (env) => {
  if (env.production && Option.isNone(env.secret) && Option.isNone(env.jwksUrl)) {
    return Either.left(ConfigError.MissingData(
      ["BETTER_AUTH_SECRET"],
      "NODE_ENV=production needs an auth mode: set BETTER_AUTH_SECRET (HS256 tokens) and/or BETTER_AUTH_URL (Better Auth's JWKS)"
    ))
  }
  return Either.right({
    secret: Option.getOrUndefined(env.secret),
    jwksUrl: Option.getOrUndefined(env.jwksUrl),
    betterAuthUrl: Option.getOrUndefined(env.betterAuthUrl),
    issuer: Option.getOrUndefined(env.issuer),
    audience: Option.getOrUndefined(env.audience),
    clockToleranceSeconds: env.clockToleranceSeconds,
    jwksCooldown: Duration.seconds(env.jwksCooldownSeconds),
    production: env.production
  })
})

export const hasMode = (auth: AuthConfig): boolean => auth.secret !== undefined || auth.jwksUrl !== undefined

export interface ResolvedAuth {
  readonly settings: AuthConfig
  /** Set when no mode is configured outside production: HS256 tokens are then checked against this secret. */
  readonly developmentSecret: Option.Option<DevelopmentSecret.DevelopmentSecret>
}

/** The settings the API verifies with: the configured ones, or the development secret (made if missing in `dataDir`). */
export const resolve = (auth: AuthConfig, dataDir: string): Effect.Effect<ResolvedAuth, ConfigError.ConfigError> =>
  hasMode(auth)
    ? Effect.succeed({ settings: auth, developmentSecret: Option.none() })
    : Effect.map(DevelopmentSecret.keep(dataDir), (development) => ({
      settings: { ...auth, secret: development.secret },
      developmentSecret: Option.some(development)
    }))
