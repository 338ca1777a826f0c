/**
 * Redis for tests: the shared server at `TEST_REDIS_URL` (tests keep apart by their own user ids),
 * and a private `redis-server` of a test's own on a free port, for a test that stops and starts it.
 * A machine without either skips those suites loudly.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { connect } from "node:net"
import { describe } from "vitest"
import { freePort } from "./FreePort.js"
import { skipLoudly } from "./LoudSkip.js"

export const testRedisUrl: string | undefined = process.env["TEST_REDIS_URL"] || undefined

/** `body` gets the shared server's URL; without TEST_REDIS_URL the suite is skipped, saying why. */
export const describeOnRedis = (name: string, body: (url: string) => void): void => {
  if (testRedisUrl === undefined) return skipLoudly(name, "set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it")
  const url = testRedisUrl
  describe(name, () => body(url))
}

/** For suites that start `startPrivateRedis`; skipped, saying why, where `redis-server` is not installed. */
export const describeWithRedisServer = (name: string, body: () => void): void => {
  const installed = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0
  if (!installed) return skipLoudly(name, "install redis-server (apt-get install redis-server) to run it")
  describe(name, body)
}

/** Whether a Redis answers PING on `port` within a second. */
export const redisAnswers = (port: number, host = "127.0.0.1"): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, host)
    let reply = ""
    const done = (answered: boolean) => {
      socket.destroy()
      resolve(answered)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.on("error", () => done(false))
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      reply += chunk
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"))
    })
    socket.write("PING\r\n")
  })

export interface PrivateRedis {
  readonly url: string
  readonly port: number
  /** Stops the server (SIGTERM; it keeps nothing) and resolves once it has exited. */
  readonly stop: () => Promise<void>
  /** Starts it again on the same port, empty, and resolves once it answers. */
  readonly start: () => Promise<void>
}

/** A `redis-server` without persistence on a free port of 127.0.0.1, answering when this resolves. */
export const startPrivateRedis = async (): Promise<PrivateRedis> => {
  const port = await freePort()
  let server: { readonly child: ChildProcess; readonly exited: Promise<void> } | undefined
  const start = async () => {
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    server = { child, exited }
    for (const started = Date.now(); !(await redisAnswers(port));) {
      if (child.exitCode !== null || Date.now() - started > 10_000) {
        child.kill("SIGKILL")
        throw new Error(`redis-server did not answer on port ${port}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const stop = async () => {
    server?.child.kill("SIGTERM")
    await server?.exited
  }
  await start()
  return { url: `redis://127.0.0.1:${port}`, port, stop, start }
}
