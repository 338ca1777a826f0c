/** Rate limits, and requests too long, too large or too slow: each a clean problem+json answer. */
import { InMemoryTaskRepository } from "@todo/testing"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { steadyWindow } from "../src/auth/SharedRateLimit.js"
import * as TokenBuckets from "../src/auth/TokenBuckets.js"
import { caller, freshUser, startServer, type TestServer, tokenFor } from "./support/TestServer.js"

const expectProblem = (reply: { status: number; headers: Headers; json: any }, status: number) => {
  expect(reply.status).toBe(status)
  expect(reply.headers.get("content-type")).toMatch(/^application\/problem\+json/)
  expect(reply.json).toMatchObject({ type: "about:blank", title: expect.any(String), status, detail: expect.any(String) })
}

describe("the per-user token bucket", () => {
  it("allows a burst, then one request per refill interval, with the wait in whole seconds", () => {
    let now = 0
    const limiter = TokenBuckets.make({ perMinute: 60, burst: 3, now: () => now })
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 0])
    expect(limiter.take("a")).toBe(1)
    expect(limiter.take("b")).toBe(0)
    now += 1_000
    expect(limiter.take("a")).toBe(0)
    expect(limiter.take("a")).toBe(1)
  })

  it("keeps at most maxUsers buckets, dropping the least recently seen", () => {
    // A clock that stands still: on a busy machine the loop below outlasts a refill.
    const limiter = TokenBuckets.make({ perMinute: 600, burst: 1, maxUsers: 10_000, now: () => 0 })
    expect(limiter.take("regular")).toBe(0)
    for (let user = 0; user < 20_000; user++) {
      limiter.take(`user-${user}`)
      if (user % 1_000 === 0) expect(limiter.take("regular")).toBeGreaterThan(0)
    }
    expect(limiter.size()).toBe(10_000)
  })

  it("is off at 0 per minute", () => {
    const limiter = TokenBuckets.make({ perMinute: 0, burst: 1 })
    expect(Array.from({ length: 100 }, () => limiter.take("a"))).toEqual(Array(100).fill(0))
    expect(limiter.size()).toBe(0)
  })
})

describe("the shared limit's steady window", () => {
  it("is the shortest whole number of seconds that holds a whole number of requests", () => {
    expect(steadyWindow(600)).toEqual({ seconds: 1, points: 10 })
    expect(steadyWindow(60)).toEqual({ seconds: 1, points: 1 })
    expect(steadyWindow(100)).toEqual({ seconds: 3, points: 5 })
    expect(steadyWindow(30)).toEqual({ seconds: 2, points: 1 })
    expect(steadyWindow(7)).toEqual({ seconds: 60, points: 7 })
  })
})

describe("HTTP limits", () => {
  let server: TestServer
  let user: string
  beforeAll(async () => {
    server = await startServer(InMemoryTaskRepository.layer, {
      rateLimit: { perMinute: 60, burst: 3 },
      requestTimeoutSeconds: 2
    })
  })
  afterAll(() => server.close())
  const api = caller(() => server, () => user)

  it("a user over the rate limit gets 429 with Retry-After; other users and unauthenticated routes do not", async () => {
    user = freshUser()
    for (let i = 0; i < 3; i++) expect((await api(`/api/${user}/tasks`)).status).toBe(200)
    const limited = await api(`/api/${user}/tasks`, { method: "POST", body: { title: "x" } })
    expectProblem(limited, 429)
    expect(limited.headers.get("retry-after")).toBe("1")
    expect((await api(`/api/tasks`, { as: freshUser() })).status).toBe(200)
    expect((await api("/api/health", { as: null })).status).toBe(200)
  })

  it("a request target over 8 KiB is 414", async () => {
    user = freshUser()
    expectProblem(await api(`/api/${user}/tasks?q=${"a".repeat(9_000)}`), 414)
  })

  /** Raw bytes on a socket, and everything the server sends back until it closes. */
  const raw = (send: string, { endAfterSend = false } = {}) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.url).port), "127.0.0.1")
      let received = ""
      socket.setEncoding("utf8").on("data", (chunk) => (received += chunk))
      socket.on("close", () => resolve(received))
      socket.on("error", reject)
      socket.write(send)
      if (endAfterSend) socket.end()
    })

  it("headers over Node's limit are 431 problem+json", async () => {
    const answer = await raw(`GET /api/health HTTP/1.1\r\nhost: x\r\nx-big: ${"b".repeat(20_000)}\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 431 /)
    expect(answer).toMatch(/content-type: application\/problem\+json/i)
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: 431 })
  })

  it("a HEAD request with oversized headers gets the 431 without a body", async () => {
    const answer = await raw(`HEAD /api/health HTTP/1.1\r\nhost: x\r\nx-big: ${"b".repeat(20_000)}\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 431 /)
    expect(answer.endsWith("\r\n\r\n")).toBe(true)
  })

  it("bytes that are not HTTP are 400 problem+json", async () => {
    const answer = await raw("HELLO\r\n\r\n")
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: 400 })
  })

  it("a body that never finishes arriving is cut off after REQUEST_TIMEOUT_S (slowloris)", async () => {
    user = freshUser()
    const started = Date.now()
    const answer = await raw(
      `POST /api/tasks HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${await tokenFor(user)}\r\n` +
        `content-type: application/json\r\ncontent-length: 100\r\n\r\n{"title":`
    )
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
  })

  it("headers that never finish arriving are cut off too", async () => {
    const started = Date.now()
    const answer = await raw(`GET /api/health HTTP/1.1\r\nhost: x\r\nx-slow: 1`)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
  })
})
