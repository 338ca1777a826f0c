/**
 * Verifies Better Auth bearer tokens (HS256 with the shared secret, and/or the issuer's JWKS)
 * and names the acting user. The contract's Authentication section, in one service.
 */
import { AuthConfig } from "@todo/config"
import { UserId } from "@todo/core"
import { Context, Duration, Effect, Either, Layer, Redacted, Runtime, Schema } from "effect"
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type FetchImplementation,
  type JWTPayload,
  type JWTVerifyOptions
} from "jose"
import { InvalidToken } from "../problems/RequestErrors.js"

/**
 * Which modes are on, and what their tokens must carry: `AuthConfig`'s settings, any of which may
 * be left to the verifier's defaults.
 */
export type AuthSettings = Partial<Omit<AuthConfig.AuthConfig, "jwksCooldown" | "production">> & {
  readonly jwksCooldown?: Duration.DurationInput | undefined
  /** Bound on one JWKS fetch. Default 5 seconds. */
  readonly jwksTimeout?: Duration.DurationInput | undefined
}

/** What Better Auth's `jwt` plugin can sign with. */
const jwksAlgorithms = ["EdDSA", "ES256", "ES512", "RS256", "PS256"] as const

/**
 * After a failed JWKS fetch, the next one waits this long (at most the cooldown): jose only rate-limits
 * after successful fetches, so without this every request would hit a JWKS that is down.
 */
const retryAfterFailedFetch = Duration.seconds(1)

/** `resource`: a URL this host also serves (the MCP endpoint), accepted as a JWKS token's `aud`. */
type Check = (token: string, resource: string | undefined) => Promise<JWTPayload>

/**
 * Verified tokens, by their exact text: a client sends the same token on every request, and
 * verifying it (a signature, often a key set) costs more than the rest of a small request.
 * An entry lives until the token's `exp`, and at most `VERIFIED_TTL_MS`, so a key withdrawn
 * from the JWKS stops being honoured within that time; at most `VERIFIED_MAX` are kept, the
 * least recently used going first.
 */
const VERIFIED_TTL_MS = 60_000
const VERIFIED_MAX = 10_000

const verifiedCache = () => {
  const entries = new Map<string, { readonly user: UserId; readonly until: number }>()
  return {
    get: (token: string): UserId | undefined => {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      entries.delete(token)
      if (entry.until <= Date.now()) return undefined
      entries.set(token, entry)
      return entry.user
    },
    set: (token: string, user: UserId, exp: number | undefined) => {
      const now = Date.now()
      const until = Math.min(now + VERIFIED_TTL_MS, exp === undefined ? now : exp * 1000)
      if (until <= now) return
      if (entries.size >= VERIFIED_MAX) entries.delete(entries.keys().next().value!)
      entries.set(token, { user, until })
    }
  }
}

class Refused extends Error {}

const refused = (reason: string) => new InvalidToken({ reason, tokenSent: true })

const keySetUnavailable = "the signing keys could not be fetched"

/** What a check holds `iss` and `aud` to, named in its refusals (settings, not secrets). */
interface Expected {
  readonly issuer?: string | undefined
  readonly audience?: string | undefined
}

/** A check's failure, as the reason it is refused for. */
const refusedFor = (expected: Expected) => (error: unknown): never => {
  throw new Refused(reasonFor(error, expected))
}

const CLAIM_NAMES: Readonly<Record<string, string>> = {
  iss: "issuer (iss)",
  aud: "audience (aud)",
  nbf: "not-before time (nbf)",
  iat: "issue time (iat)",
  exp: "expiry (exp)"
}

/**
 * Reasons name the failed rule only, never the token, a claim's value or a key; they travel in
 * `WWW-Authenticate`'s `error_description`, so they hold no double quote or backslash.
 */
const reasonFor = (error: unknown, expected: Expected = {}): string => {
  if (error instanceof Refused) return error.message
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = CLAIM_NAMES[error.claim] ?? error.claim
    if (error.reason === "missing") return `the token has no ${claim} claim`
    switch (error.claim) {
      case "nbf":
        return "the token is not valid yet (nbf is in the future)"
      case "iss":
        return `the token's issuer (iss) is not ${expected.issuer ?? "the expected one"}`
      case "aud":
        return `the token's audience (aud) is not ${expected.audience ?? "the expected one"}`
    }
    return `the token's ${claim} is not acceptable`
  }
  if (error instanceof errors.JOSEError) {
    switch (error.code) {
      case "ERR_JWT_EXPIRED":
        return "the token has expired"
      case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
        return "the signature does not verify: the token was signed with another secret or key"
      case "ERR_JWKS_NO_MATCHING_KEY":
      case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
        return "no published key matches the token's key id (kid)"
      case "ERR_JOSE_ALG_NOT_ALLOWED":
      case "ERR_JOSE_NOT_SUPPORTED":
        return "the token's algorithm is not accepted"
      case "ERR_JWT_INVALID":
      case "ERR_JWS_INVALID":
        return "the token is malformed"
      case "ERR_JWKS_TIMEOUT":
        return `${keySetUnavailable} in time`
    }
  }
  return keySetUnavailable
}

/** A failed fetch is reported, and blocks further fetches for a while; the refusals it causes read as an outage. */
const fetchWithBackoff = (backoffMillis: number, report: (failure: string) => void): FetchImplementation => {
  let failedAt = Number.NEGATIVE_INFINITY
  const failed = (failure: string) => {
    failedAt = Date.now()
    report(failure)
  }
  return (url, options) => {
    if (Date.now() - failedAt < backoffMillis) return Promise.reject(new Error("a recent JWKS fetch failed"))
    return fetch(url, options).then(
      (response) => {
        if (response.status !== 200) failed(`HTTP ${response.status}`)
        return response
      },
      (error: unknown) => {
        failed(error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ""}` : String(error))
        throw error
      }
    )
  }
}

const decodeUserId = Schema.decodeUnknownEither(UserId)

/** The user is `sub`; tokens minted by some frontends name them in `user_id` or `id` instead. */
const userOf = (payload: JWTPayload): Either.Either<UserId, InvalidToken> => {
  const claim = payload.sub ?? payload["user_id"] ?? payload["id"]
  return Either.mapLeft(decodeUserId(claim), () => refused("the token names no user (sub, user_id or id)"))
}

const make = Effect.fnUntraced(function*(settings: AuthSettings) {
  const clockTolerance = settings.clockToleranceSeconds ?? AuthConfig.DEFAULT_CLOCK_TOLERANCE_S
  const common = { requiredClaims: ["exp"], clockTolerance } satisfies JWTVerifyOptions
  const notIssuedInTheFuture = (payload: JWTPayload): JWTPayload => {
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + clockTolerance) {
      throw new Refused("the token was issued in the future (iat)")
    }
    return payload
  }
  const checks = new Map<string, Check>()

  if (settings.secret !== undefined) {
    const secret = new TextEncoder().encode(Redacted.value(settings.secret))
    const key = yield* Effect.promise(() => crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]))
    // Frontends minting HS256 tokens with jose rarely set iss/aud, so these are held to them only when
    // JWT_ISSUER / JWT_AUDIENCE are set explicitly; the default (Better Auth's origin) is for JWKS tokens.
    const options: JWTVerifyOptions = {
      ...common,
      algorithms: ["HS256"],
      ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
      ...(settings.audience === undefined ? {} : { audience: settings.audience })
    }
    // The resource audience is for what an OAuth server issues to MCP clients: JWKS tokens alone.
    const refusal = refusedFor({ issuer: settings.issuer, audience: settings.audience })
    checks.set("HS256", (token) => jwtVerify(token, key, options).then((result) => notIssuedInTheFuture(result.payload), refusal))
  }

  if (settings.jwksUrl !== undefined) {
    const origin = (settings.betterAuthUrl ?? settings.jwksUrl).origin
    const cooldownDuration = Duration.toMillis(settings.jwksCooldown ?? Duration.seconds(AuthConfig.DEFAULT_JWKS_COOLDOWN_S))
    const runtime = yield* Effect.runtime<never>()
    const jwksUrl = settings.jwksUrl.href
    const report = (failure: string) =>
      Runtime.runFork(runtime)(
        Effect.logWarning(`JWKS fetch from ${jwksUrl} failed (${failure}); tokens whose key is not cached are refused`)
      )
    const keySet = createRemoteJWKSet(settings.jwksUrl, {
      cooldownDuration,
      timeoutDuration: Math.ceil(Duration.toMillis(settings.jwksTimeout ?? Duration.seconds(5))),
      [customFetch]: fetchWithBackoff(Math.min(cooldownDuration, Duration.toMillis(retryAfterFailedFetch)), report)
    })
    const options: JWTVerifyOptions = {
      ...common,
      algorithms: [...jwksAlgorithms],
      issuer: settings.issuer ?? origin,
      audience: settings.audience ?? origin
    }
    const audience = options.audience as string
    const refusal = refusedFor({ issuer: options.issuer as string, audience })
    const check: Check = (token, resource) =>
      jwtVerify(token, keySet, resource === undefined ? options : { ...options, audience: [audience, resource] })
        .then((result) => notIssuedInTheFuture(result.payload), refusal)
    for (const alg of jwksAlgorithms) checks.set(alg, check)
  }

  if (checks.size === 0) return yield* Effect.dieMessage("AuthSettings enables neither the secret nor the JWKS")

  const algorithmRefused = refused(`the token's algorithm is not accepted (this API accepts ${[...checks.keys()].join(", ")})`)
  // The token's own `alg` picks the key path, so a token can only ever meet the key of its own kind.
  const checkFor = (token: string): Either.Either<Check, InvalidToken> => {
    let alg: unknown
    try {
      alg = decodeProtectedHeader(token).alg
    } catch {
      return Either.left(refused("the token is malformed"))
    }
    const check = typeof alg === "string" ? checks.get(alg) : undefined
    return check === undefined ? Either.left(algorithmRefused) : Either.right(check)
  }

  const verified = verifiedCache()
  // A page that loads fires several requests with one new token at once: they share one check.
  const checking = new Map<string, Promise<JWTPayload>>()
  const checked = (check: Check, token: string, resource: string | undefined, key: string): Promise<JWTPayload> => {
    let payload = checking.get(key)
    if (payload === undefined) {
      payload = check(token, resource).finally(() => checking.delete(key))
      checking.set(key, payload)
    }
    return payload
  }
  const verifyAnew = (token: string, resource: string | undefined, key: string) =>
    checkFor(token).pipe(
      Effect.flatMap((check) =>
        Effect.tryPromise({ try: () => checked(check, token, resource, key), catch: (error) => refused(reasonFor(error)) })
      ),
      Effect.flatMap((payload) =>
        Either.map(userOf(payload), (user) => {
          verified.set(key, user, payload.exp)
          return user
        })
      )
    )

  return JwtVerifier.of({
    verify: (token, resource) => {
      // A token accepted for the resource only must not be taken from the cache for the other routes.
      const key = resource === undefined ? token : `${resource} ${token}`
      const user = verified.get(key)
      return user === undefined ? verifyAnew(token, resource, key) : Effect.succeed(user)
    }
  })
})

export class JwtVerifier extends Context.Tag("@todo/http/JwtVerifier")<JwtVerifier, {
  /** `resource`, when given, is also accepted as the `aud` of a JWKS token (RFC 8707/9728: the MCP endpoint's URL). */
  readonly verify: (token: string, resource?: string) => Effect.Effect<UserId, InvalidToken>
}>() {
  static readonly make: (settings: AuthSettings) => Effect.Effect<JwtVerifier["Type"]> = make

  static readonly layer = (settings: AuthSettings): Layer.Layer<JwtVerifier> => Layer.effect(JwtVerifier, make(settings))
}
