/**
 * The HS256 secret `token` signs with, and which API will accept what it signs: one running with
 * the same BETTER_AUTH_SECRET or, outside production, one running without auth settings on the
 * same DATA_DIR (it made the development secret there).
 */
import { type AuthConfig, DatabaseConfig, DevelopmentSecret } from "@todo/config"
import { Effect, Option, Redacted } from "effect"
import { resolve } from "node:path"
import { CommandFailed } from "./CommandFailure.js"

export interface SigningSecret {
  readonly key: Redacted.Redacted<Uint8Array>
  /** Which secret signed, and which API accepts the token. */
  readonly notice: string
  /** The development secret: an API with any auth setting refuses what it signs, so the notice is never left out. */
  readonly development: boolean
}

const keyOf = (secret: Redacted.Redacted<string>) => Redacted.make(new TextEncoder().encode(Redacted.value(secret)))

export const signingSecret = (auth: AuthConfig.AuthConfig) =>
  Effect.gen(function*() {
    if (auth.secret !== undefined) {
      return {
        key: keyOf(auth.secret),
        notice: "Signed with BETTER_AUTH_SECRET: the API accepts the token only if it runs with the same BETTER_AUTH_SECRET.",
        development: false
      } satisfies SigningSecret
    }
    if (auth.jwksUrl !== undefined) {
      return yield* new CommandFailed({
        message: "BETTER_AUTH_SECRET is not set, and BETTER_AUTH_URL or JWT_JWKS_URL is: an API configured so accepts only " +
          "tokens signed with its JWKS keys, and none of those can be made here"
      })
    }
    const dataDir = resolve(yield* DatabaseConfig.dataDir)
    const development = yield* DevelopmentSecret.read(dataDir)
    if (Option.isNone(development)) {
      return yield* new CommandFailed({
        message: `BETTER_AUTH_SECRET is not set, and there is no development secret at ${DevelopmentSecret.fileIn(dataDir)} ` +
          "(the API writes one when it starts without auth settings)"
      })
    }
    return {
      key: keyOf(development.value.secret),
      notice: `Signed with the development secret in ${development.value.file}, not BETTER_AUTH_SECRET (unset): the API accepts ` +
        `the token only while it runs without BETTER_AUTH_SECRET, BETTER_AUTH_URL or JWT_JWKS_URL, with DATA_DIR=${dataDir}.`,
      development: true
    } satisfies SigningSecret
  })
