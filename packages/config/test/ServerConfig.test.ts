/** The server's settings as the environment gives them. */
import { ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { ServerConfig } from "@todo/config"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(ServerConfig.config, ConfigProvider.fromMap(new Map(Object.entries(env))))))

describe("REDIS_URL", () => {
  it("unset or blank is none: each process counts the rate limit alone", () => {
    for (const env of [{}, { REDIS_URL: " " }]) {
      const config = read(env)
      expect(Either.isRight(config) && Option.isNone(config.right.redisUrl)).toBe(true)
    }
  })

  it("a redis:// or rediss:// URL is kept, redacted", () => {
    for (const url of ["redis://127.0.0.1:6379", "rediss://default:secret@redis.example.com:6380/2"]) {
      const config = read({ REDIS_URL: url })
      if (Either.isLeft(config)) throw new Error(String(config.left))
      const redisUrl = Option.getOrThrow(config.right.redisUrl)
      expect(Redacted.value(redisUrl).href).toBe(new URL(url).href)
      expect(String(redisUrl)).not.toContain("secret")
    }
  })

  it("anything else is refused, naming the variable", () => {
    for (const url of ["http://127.0.0.1:6379", "127.0.0.1:6379", "not a url"]) {
      const config = read({ REDIS_URL: url })
      expect(Either.isLeft(config) && String(config.left)).toContain("REDIS_URL")
    }
  })
})
