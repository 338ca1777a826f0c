/**
 * What the API prints at start when it verifies with the development secret: how to call it as
 * `demo-user`, with a ready-to-paste curl carrying a 30-day token.
 */
import type { AuthConfig } from "@todo/config"
import { Effect, Option, Redacted } from "effect"
import { SignJWT } from "jose"

export const demoUser = "demo-user"

export const developmentBanner = (auth: AuthConfig.ResolvedAuth, baseUrl: string): Effect.Effect<Option.Option<string>> =>
  Option.match(auth.developmentSecret, {
    onNone: () => Effect.succeedNone,
    onSome: ({ file, secret }) =>
      Effect.promise(() => {
        const jwt = new SignJWT().setSubject(demoUser).setIssuedAt().setExpirationTime("30d")
        if (auth.settings.issuer !== undefined) jwt.setIssuer(auth.settings.issuer)
        if (auth.settings.audience !== undefined) jwt.setAudience(auth.settings.audience)
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
