/** `token`: mint an HS256 bearer token the API accepts, for curl and scripts. */
import type { UserId } from "@todo/core"
import { type Command, InvalidArgumentError, Option as CommandOption } from "commander"
import { AuthConfig } from "@todo/config"
import { Effect, Redacted } from "effect"
import { SignJWT } from "jose"
import { examples, userOption } from "../CommandLine.js"
import { printError, printLine, printNotice } from "../Output.js"
import type { Runner } from "../Runner.js"
import { signingSecret } from "../SigningSecret.js"

interface TokenOptions {
  readonly user: UserId
  readonly ttl: number
  readonly email?: string
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

const parseTtl = (text: string): number => {
  const match = /^(\d{1,7})([smhd])$/.exec(text)
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2]!] ?? 0) : 0
  if (seconds <= 0) throw new InvalidArgumentError("a lifetime is a positive number with s, m, h or d, e.g. 15m or 1h.")
  return seconds
}

const mint = (options: TokenOptions) =>
  Effect.gen(function*() {
    const auth = yield* AuthConfig.config
    const secret = yield* signingSecret(auth)
    yield* (secret.development ? printError(secret.notice) : printNotice(secret.notice))
    const now = Math.floor(Date.now() / 1000)
    let jwt = new SignJWT(options.email === undefined ? {} : { email: options.email })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(options.user)
      .setIssuedAt(now)
      .setExpirationTime(now + options.ttl)
    if (auth.issuer !== undefined) jwt = jwt.setIssuer(auth.issuer)
    if (auth.audience !== undefined) jwt = jwt.setAudience(auth.audience)
    const token = yield* Effect.promise(() => jwt.sign(Redacted.value(secret.key)))
    yield* printLine(token)
  })

export const registerToken = (program: Command, runner: Runner<never>): void => {
  program.command("token")
    .description(
      "print an HS256 token for a user, signed with BETTER_AUTH_SECRET or the development secret (iss/aud from JWT_ISSUER/JWT_AUDIENCE)"
    )
    .addOption(userOption())
    .addOption(new CommandOption("--ttl <lifetime>", "how long it is valid: 90s, 15m, 1h, 7d").argParser(parseTtl).default(3600, "1h"))
    .option("--email <email>", "an email claim to include")
    .addHelpText(
      "after",
      examples(
        "curl -H \"Authorization: Bearer $(todo-admin token --user alice)\" http://localhost:8000/api/alice/tasks"
      )
    )
    .action((options: TokenOptions) => runner.run(mint(options)))
}
