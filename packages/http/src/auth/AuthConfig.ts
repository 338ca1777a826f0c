/**
 * The authentication settings the environment asks for, and the development secret that stands in
 * when it asks for none outside production.
 */
import { randomBytes } from "node:crypto"
import { mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Cause, Config, ConfigError, Duration, Effect, Either, Option, Redacted } from "effect"
import { SignJWT } from "jose"
import type { AuthSettings } from "./JwtVerifier.js"

/** The user the development banner's token is for. */
export const demoUser = "demo-user"

const minimumSecretBytes = 32

export interface AuthConfig {
  readonly settings: AuthSettings
  /** Set when no mode was configured outside production: HS256 tokens are then checked against this secret. */
  readonly developmentSecret: Option.Option<{ readonly secret: Redacted.Redacted<string>; readonly file: string }>
}

/** `.env` templates often leave `NAME=` empty: blank counts as unset. */
const isBlank = (text: string) => text.trim() === ""

const optionalText = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((text) => !isBlank(text))))

const optionalUrl = (name: string) =>
  optionalText(name).pipe(
    Config.mapOrFail(
      Option.match({
        onNone: () => Either.right(Option.none<URL>()),
        onSome: (text) =>
          URL.canParse(text) && /^https?:$/.test(new URL(text).protocol)
            ? Either.right(Option.some(new URL(text)))
            : Either.left(ConfigError.InvalidData([name], "must be an absolute http(s) URL"))
      })
    )
  )

const nonNegative = (config: Config.Config<number>) =>
  Config.validate(config, { message: "must be zero or more", validation: (value) => value >= 0 })

const isLongEnough = (secret: string) => Buffer.byteLength(secret, "utf8") >= minimumSecretBytes

const secretConfig = Config.redacted("BETTER_AUTH_SECRET").pipe(
  Config.option,
  Config.map(Option.filter((secret) => !isBlank(Redacted.value(secret)))),
  Config.mapOrFail((secret) =>
    Option.isNone(secret) || isLongEnough(Redacted.value(secret.value))
      ? Either.right(secret)
      : Either.left(
        ConfigError.InvalidData(
          ["BETTER_AUTH_SECRET"],
          `must be at least ${minimumSecretBytes} bytes (generate one with: openssl rand -base64 32)`
        )
      )
  )
)

const environment = Config.all({
  secret: secretConfig,
  betterAuthUrl: optionalUrl("BETTER_AUTH_URL"),
  jwksUrl: optionalUrl("JWT_JWKS_URL"),
  issuer: optionalText("JWT_ISSUER"),
  audience: optionalText("JWT_AUDIENCE"),
  clockToleranceSeconds: nonNegative(Config.integer("JWT_CLOCK_TOLERANCE_S")).pipe(Config.withDefault(5)),
  jwksCooldownSeconds: nonNegative(Config.number("JWT_JWKS_COOLDOWN_S")).pipe(Config.withDefault(30)),
  nodeEnv: Config.string("NODE_ENV").pipe(Config.withDefault("development")),
  dataDir: Config.string("DATA_DIR").pipe(Config.withDefault("./.data"))
})

/** Reuses the secret of an earlier start, so development tokens survive restarts. */
const developmentSecretIn = (dataDir: string) => {
  const file = join(dataDir, "dev-secret")
  return Effect.tryPromise({
    try: async () => {
      await mkdir(dataDir, { recursive: true })
      await writeFile(file, `${randomBytes(32).toString("base64url")}\n`, { flag: "wx", mode: 0o600 }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error
        }
      )
      return (await readFile(file, "utf8")).trim()
    },
    catch: (error) =>
      ConfigError.SourceUnavailable(["DATA_DIR"], `cannot keep the development secret in ${file}`, Cause.fail(error))
  }).pipe(
    Effect.filterOrFail(
      isLongEnough,
      () => ConfigError.InvalidData(["DATA_DIR"], `${file} holds no usable secret: delete it to have a new one generated`)
    ),
    Effect.map((secret) => ({ secret: Redacted.make(secret), file }))
  )
}

export const load: Effect.Effect<AuthConfig, ConfigError.ConfigError> = Effect.gen(function*() {
  const env = yield* environment
  const jwksUrl = Option.orElse(
    env.jwksUrl,
    () => Option.map(env.betterAuthUrl, (base) => new URL(`${base.href.replace(/\/+$/, "")}/api/auth/jwks`))
  )
  const settings: AuthSettings = {
    secret: Option.getOrUndefined(env.secret),
    jwksUrl: Option.getOrUndefined(jwksUrl),
    betterAuthUrl: Option.getOrUndefined(env.betterAuthUrl),
    issuer: Option.getOrUndefined(env.issuer),
    audience: Option.getOrUndefined(env.audience),
    clockToleranceSeconds: env.clockToleranceSeconds,
    jwksCooldown: Duration.seconds(env.jwksCooldownSeconds)
  }
  if (Option.isSome(env.secret) || Option.isSome(jwksUrl)) return { settings, developmentSecret: Option.none() }
  if (env.nodeEnv === "production") {
    return yield* Effect.fail(ConfigError.MissingData(
      ["BETTER_AUTH_SECRET"],
      "NODE_ENV=production needs an auth mode: set BETTER_AUTH_SECRET (HS256 tokens) and/or BETTER_AUTH_URL (Better Auth's JWKS)"
    ))
  }
  const development = yield* developmentSecretIn(env.dataDir)
  return { settings: { ...settings, secret: development.secret }, developmentSecret: Option.some(development) }
})

/**
 * When the development secret is in use: how to call the API at `baseUrl` as `demo-user`, with a
 * ready-to-paste curl carrying a 30-day token.
 */
export const developmentBanner = (baseUrl: string): Effect.Effect<Option.Option<string>, ConfigError.ConfigError> =>
  Effect.flatMap(load, ({ developmentSecret, settings }) =>
    Option.match(developmentSecret, {
      onNone: () => Effect.succeedNone,
      onSome: ({ file, secret }) =>
        Effect.promise(() => {
          const jwt = new SignJWT().setSubject(demoUser).setIssuedAt().setExpirationTime("30d")
          if (settings.issuer !== undefined) jwt.setIssuer(settings.issuer)
          if (settings.audience !== undefined) jwt.setAudience(settings.audience)
          return jwt.setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(Redacted.value(secret)))
        }).pipe(
          Effect.map((token) =>
            Option.some(
              [
                `No BETTER_AUTH_SECRET or BETTER_AUTH_URL is set: accepting HS256 tokens signed with the development secret in ${file}.`,
                `Try it as "${demoUser}" (the token is valid for 30 days):`,
                `  curl -H 'Authorization: Bearer ${token}' ${baseUrl.replace(/\/+$/, "")}/api/${demoUser}/tasks`
              ].join("\n")
            )
          )
        )
    })
  )
