import { describeOnRedis, Tokens } from "@todo/testing"
import { jwtVerify } from "jose"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { todoAdmin, type TodoAdmin } from "./TodoAdmin.js"

const SECRET = "a-test-secret-that-is-long-enough-0123456789"

describe("todo-admin without a database", () => {
  let cli: TodoAdmin
  beforeAll(async () => {
    cli = await todoAdmin({ DATA_DIR: "./never-created" })
  })
  afterAll(() => cli.dispose())

  it("--help on every command exits 0 and shows an example", async () => {
    for (const command of [[], ["tasks", "list"], ["import"], ["token"], ["doctor"]]) {
      const outcome = await cli.run([...command, "--help"])
      expect(outcome.code).toBe(0)
      expect(outcome.stdout).toContain("Example")
    }
  })

  it("usage errors exit 2 with the reason on stderr", async () => {
    for (
      const args of [["nonsense"], ["tasks", "show", "--user", "u", "abc"], ["tasks", "list"], ["export", "--user", "u", "--format", "xml"]]
    ) {
      const outcome = await cli.run(args)
      expect(outcome.code, args.join(" ")).toBe(2)
      expect(outcome.stdout).toBe("")
      expect(outcome.stderr).toMatch(/^error: /)
    }
  })

  it("token mints an HS256 token for the user that verifies with the secret, with iss and aud when set", async () => {
    const outcome = await cli.run(["token", "--user", "u-42", "--ttl", "15m", "--email", "u@example.com"], {
      env: { BETTER_AUTH_SECRET: SECRET, JWT_ISSUER: "https://issuer.test", JWT_AUDIENCE: "todo-api" }
    })
    expect(outcome.code).toBe(0)
    const { payload, protectedHeader } = await jwtVerify(outcome.stdout.trim(), new TextEncoder().encode(SECRET), {
      issuer: "https://issuer.test",
      audience: "todo-api"
    })
    expect(protectedHeader.alg).toBe("HS256")
    expect(payload).toMatchObject({ sub: "u-42", email: "u@example.com" })
    expect(payload.exp! - payload.iat!).toBe(15 * 60)
  })

  it("token refuses a missing or short secret, and falls back to the development secret outside production", async () => {
    expect((await cli.run(["token", "--user", "u"])).code).toBe(1)
    expect((await cli.run(["token", "--user", "u"], { env: { BETTER_AUTH_SECRET: "short" } })).stderr).toContain("at least 32")
    const dataDir = join(cli.dir, "with-dev-secret")
    await mkdir(dataDir)
    await writeFile(join(dataDir, "dev-secret"), `${SECRET}\n`)
    const dev = await cli.run(["token", "--user", "u"], { env: { DATA_DIR: dataDir } })
    expect(dev.code).toBe(0)
    await jwtVerify(dev.stdout.trim(), new TextEncoder().encode(SECRET))
    expect((await cli.run(["token", "--user", "u"], { env: { DATA_DIR: dataDir, NODE_ENV: "production" } })).code).toBe(1)
  })

  it("token says on stderr which secret signed and which API accepts it: always for the development secret, at a terminal for BETTER_AUTH_SECRET", async () => {
    const piped = await cli.run(["token", "--user", "u"], { env: { BETTER_AUTH_SECRET: SECRET } })
    expect(piped.stderr).toBe("")
    const atTerminal = await cli.runAtTerminal(["token", "--user", "u"], { BETTER_AUTH_SECRET: SECRET })
    expect(atTerminal).toContain(
      "Signed with BETTER_AUTH_SECRET: the API accepts the token only if it runs with the same BETTER_AUTH_SECRET."
    )
    const dataDir = join(cli.dir, "with-a-notice")
    await mkdir(dataDir)
    await writeFile(join(dataDir, "dev-secret"), `${SECRET}\n`)
    const development = await cli.run(["token", "--user", "u"], { env: { DATA_DIR: dataDir } })
    expect(development.code).toBe(0)
    expect(development.stderr).toContain(`Signed with the development secret in ${join(dataDir, "dev-secret")}, not BETTER_AUTH_SECRET`)
    expect(development.stderr).toContain(
      `only while it runs without BETTER_AUTH_SECRET, BETTER_AUTH_URL or JWT_JWKS_URL, with DATA_DIR=${dataDir}`
    )
  })

  it("token refuses to sign when the API would accept only JWKS tokens", async () => {
    const outcome = await cli.run(["token", "--user", "u"], { env: { BETTER_AUTH_URL: "https://auth.example.com" } })
    expect(outcome.code).toBe(1)
    expect(outcome.stdout).toBe("")
    expect(outcome.stderr).toMatch(/^error: BETTER_AUTH_SECRET is not set, and BETTER_AUTH_URL or JWT_JWKS_URL is/)
  })

  it("doctor holds the settings to the API's own rules, every one of them", async () => {
    const verdictOf = async (env: Record<string, string>) => {
      const checks: ReadonlyArray<{ check: string; verdict: string; detail: string }> = JSON.parse(
        (await cli.run(["doctor", "--json"], { env })).stdout
      )
      return checks.find((check) => check.check === "configuration")!
    }
    expect(await verdictOf({ BETTER_AUTH_SECRET: SECRET, DATABASE_POOL_MAX: "5000" })).toMatchObject({ verdict: "ok" })
    expect(await verdictOf({ BETTER_AUTH_SECRET: SECRET, WEB_CONCURRENCY: "two", REQUEST_TIMEOUT_S: "0" })).toMatchObject({
      verdict: "fail",
      detail: "WEB_CONCURRENCY: must be auto or a whole number of at least 1, not \"two\"; REQUEST_TIMEOUT_S: must be 1 or more, not \"0\""
    })
  })

  it("a bad setting is one line naming the variable, exit 1", async () => {
    const outcome = await cli.run(["tasks", "list", "--user", "u"], {
      env: { DATABASE_URL: "mysql://todo:s3cret@db/todo", DATABASE_POOL_MAX: "none" }
    })
    expect(outcome.code).toBe(1)
    expect(outcome.stderr).toBe(
      "error: invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@host:5432/database\n" +
        "error: invalid configuration: DATABASE_POOL_MAX: must be a whole number of 1 or more, not \"none\"\n"
    )
  })

  it("doctor checks the settings and the JWKS keys, and exits 1 on any failure", async () => {
    const key = await Tokens.generateSigningKey("EdDSA")
    const jwks = await Tokens.serveJwks([key])
    try {
      const good = await cli.run(["doctor", "--json"], { env: { JWT_JWKS_URL: jwks.url.href, BETTER_AUTH_SECRET: SECRET } })
      expect(good.code).toBe(0)
      expect(JSON.parse(good.stdout)).toEqual(expect.arrayContaining([
        expect.objectContaining({ check: "auth JWKS", verdict: "ok" }),
        expect.objectContaining({ check: "auth secret", verdict: "ok" }),
        expect.objectContaining({ check: "database", verdict: "warn" })
      ]))
      const bad = await cli.run(["doctor", "--json"], {
        env: { PORT: "eighty", BETTER_AUTH_SECRET: "short", JWT_JWKS_URL: "http://127.0.0.1:1/jwks" }
      })
      expect(bad.code).toBe(1)
      const verdicts = Object.fromEntries(
        JSON.parse(bad.stdout).map((check: { check: string; verdict: string }) => [check.check, check.verdict])
      )
      expect(verdicts).toMatchObject({ configuration: "fail", "auth secret": "fail", "auth JWKS": "fail" })
    } finally {
      await jwks.close()
    }
  })

  const redisVerdict = async (env: Record<string, string>) => {
    const outcome = await cli.run(["doctor", "--json"], { env: { BETTER_AUTH_SECRET: SECRET, ...env } })
    const checks: Array<{ check: string; verdict: string; detail: string }> = JSON.parse(outcome.stdout)
    return { code: outcome.code, redis: checks.find((check) => check.check === "redis"), checks }
  }

  it("doctor says Redis is not configured when REDIS_URL is unset, and fails an unreachable one or a URL that is not redis", async () => {
    expect((await redisVerdict({})).redis).toMatchObject({ verdict: "ok", detail: expect.stringContaining("not configured") })
    const unreachable = await redisVerdict({ REDIS_URL: "redis://:hunter2@127.0.0.1:1/2" })
    expect(unreachable.code).toBe(1)
    expect(unreachable.redis).toMatchObject({ verdict: "fail", detail: expect.stringContaining("redis://127.0.0.1:1/2") })
    expect(unreachable.redis!.detail).not.toContain("hunter2")
    const notRedis = await redisVerdict({ REDIS_URL: "http://127.0.0.1:6379" })
    expect(notRedis.code).toBe(1)
    expect(notRedis.checks.find((check) => check.check === "configuration")).toMatchObject({
      verdict: "fail",
      detail: expect.stringContaining("REDIS_URL")
    })
  })

  describeOnRedis("doctor with Redis configured", (redisUrl) => {
    it("reports it reachable, with its round-trip time", async () => {
      const reachable = await redisVerdict({ REDIS_URL: redisUrl })
      expect(reachable.redis).toMatchObject({ verdict: "ok", detail: expect.stringMatching(/answers PING in \d+\.\d ms/) })
    })
  })
})
