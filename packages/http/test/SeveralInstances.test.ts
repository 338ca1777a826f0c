/**
 * Several built `todo-api` processes on one PostgreSQL, as behind a load balancer: idempotent
 * creates and acknowledged writes hold across them, the rate limit is one limit across instances
 * and workers when they share a Redis, and an outage or a stall of Redis costs no request.
 */
import {
  describeOnPostgres,
  describeOnRedis,
  describeWithRedisServer,
  freshSchema,
  type FreshSchema,
  type PrivateRedis,
  startPrivateRedis,
  startRelay,
  type TcpRelay
} from "@todo/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allTaskIds, type ApiInstances, type ApiProcess, startApi, startApis } from "./support/ApiProcess.js"
import { freshUser, tokenFor } from "./support/TestServer.js"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const PER_MINUTE = 120
/** The default burst: ten seconds' worth. */
const BURST = 20
const PER_SECOND = PER_MINUTE / 60
const limited = { RATE_LIMIT_PER_MINUTE: String(PER_MINUTE), LOG_LEVEL: "info" }

interface Hammered {
  /** Requests answered 200. */
  readonly allowed: number
  readonly statuses: ReadonlyArray<number>
  readonly retryAfters: ReadonlyArray<string | null>
  readonly elapsedMs: number
  readonly slowestMs: number
}

/** One user's `requests` list requests, taken in turn by `urls`, `concurrency` at a time. */
const hammer = async (urls: ReadonlyArray<string>, user: string, requests = 200, concurrency = 8): Promise<Hammered> => {
  const headers = { authorization: `Bearer ${await tokenFor(user)}` }
  const statuses: Array<number> = []
  const retryAfters: Array<string | null> = []
  let next = 0
  let slowestMs = 0
  const started = Date.now()
  const worker = async () => {
    for (let n = next++; n < requests; n = next++) {
      const sent = Date.now()
      const response = await fetch(`${urls[n % urls.length]}/api/tasks?limit=1`, { headers })
      await response.arrayBuffer()
      slowestMs = Math.max(slowestMs, Date.now() - sent)
      statuses.push(response.status)
      if (response.status !== 200) retryAfters.push(response.headers.get("retry-after"))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const allowed = statuses.filter((status) => status === 200).length
  return { allowed, statuses, retryAfters, elapsedMs: Date.now() - started, slowestMs }
}

/** The most one limit lets through while hammered: the burst, then the steady rate in each second begun. */
const oneLimit = (hammered: Hammered) => BURST + PER_SECOND * Math.ceil(hammered.elapsedMs / 1000)

const expectOneLimit = (hammered: Hammered) => {
  expect(new Set(hammered.statuses)).toEqual(new Set([200, 429]))
  expect(hammered.retryAfters.every((seconds) => Number(seconds) >= 1)).toBe(true)
  expect(hammered.allowed).toBeGreaterThanOrEqual(BURST)
  expect(hammered.allowed).toBeLessThanOrEqual(oneLimit(hammered))
}

/** Each process counting alone lets at least its own burst through. */
const expectALimitPerProcess = (hammered: Hammered, processes: number) => {
  expect(new Set(hammered.statuses)).toEqual(new Set([200, 429]))
  expect(hammered.allowed).toBeGreaterThanOrEqual(processes * BURST)
}

const messages = (api: ApiProcess, text: string) => api.lines.filter((line) => line.includes(`"message":"${text}`)).length

const UNREACHABLE = "Redis unreachable"
const BACK = "Redis answers again"

const eventually = async (holds: () => boolean, withinMs: number) => {
  for (const started = Date.now(); !holds(); await sleep(100)) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`)
  }
}

describeOnPostgres("several instances on one PostgreSQL", (databaseUrl) => {
  let schema: FreshSchema
  beforeAll(async () => {
    schema = await freshSchema("http_instances", databaseUrl)
  })
  afterAll(() => schema?.drop())
  const database = () => ({ DATABASE_URL: schema.url })

  describe("two instances", () => {
    let apis: ApiInstances
    beforeAll(async () => {
      apis = await startApis(2, { ...database(), RATE_LIMIT_PER_MINUTE: "0" })
    }, 90_000)
    afterAll(() => apis?.stopAll())

    it("concurrent creates with one Idempotency-Key, split across both, make one task", async () => {
      const user = freshUser()
      const headers = { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" }
      for (const key of ["first", "second", "third"]) {
        const replies = await Promise.all(Array.from({ length: 12 }, async (_, n) => {
          const response = await fetch(`${apis.urls[n % 2]}/api/${user}/tasks`, {
            method: "POST",
            headers: { ...headers, "idempotency-key": key },
            body: JSON.stringify({ title: `task for ${key}` })
          })
          return { status: response.status, id: ((await response.json()) as { id: number }).id }
        }))
        expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(201))
        expect(new Set(replies.map((reply) => reply.id)).size).toBe(1)
      }
      const listed = await fetch(`${apis.urls[1]}/api/${user}/tasks`, { headers })
      expect(((await listed.json()) as Array<unknown>).length).toBe(3)
    })

    it("one killed with SIGKILL mid-writes: the other serves on, and every acknowledged write is there", async () => {
      const user = freshUser()
      const headers = { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" }
      const acknowledged: Array<number> = []
      const survivorStatuses: Array<number> = []
      let writing = true
      const writer = async (url: string, statuses?: Array<number>) => {
        for (let i = 0; writing; i++) {
          try {
            const response = await fetch(`${url}/api/${user}/tasks`, { method: "POST", headers, body: `{"title":"write ${i}"}` })
            const body = (await response.json()) as { id: number }
            statuses?.push(response.status)
            if (response.status === 201) acknowledged.push(body.id)
          } catch {
            // The killed instance: this write was never acknowledged.
          }
        }
      }
      const [doomed, survivor] = apis.instances as [ApiProcess, ApiProcess]
      const writers = [0, 1, 2, 3].map((n) => writer(n % 2 === 0 ? doomed.url : survivor.url, n % 2 === 0 ? undefined : survivorStatuses))
      await sleep(1_000)
      await doomed.kill()
      await sleep(1_000)
      writing = false
      await Promise.all(writers)
      expect(survivorStatuses.length).toBeGreaterThan(0)
      expect(new Set(survivorStatuses)).toEqual(new Set([201]))
      const found = new Set(await allTaskIds(survivor.url, user))
      expect(acknowledged.length).toBeGreaterThan(0)
      expect(acknowledged.filter((id) => !found.has(id))).toEqual([])
    })
  })

  describeOnRedis("sharing one Redis", (redisUrl) => {
    it("a user hammering two instances gets the limit once, not once per instance", async () => {
      const apis = await startApis(2, { ...database(), ...limited, REDIS_URL: redisUrl })
      try {
        expectOneLimit(await hammer(apis.urls, freshUser()))
        for (const api of apis.instances) expect(messages(api, "rate limit counted in Redis")).toBe(1)
      } finally {
        await apis.stopAll()
      }
    }, 90_000)

    it("without REDIS_URL each instance counts alone", async () => {
      const apis = await startApis(2, { ...database(), ...limited })
      try {
        expectALimitPerProcess(await hammer(apis.urls, freshUser()), 2)
      } finally {
        await apis.stopAll()
      }
    }, 90_000)

    const twoWorkers = async (env: Record<string, string>) => {
      const api = await startApi({ ...database(), ...limited, ...env, WEB_CONCURRENCY: "2" })
      // Both workers listen before the hammer, so both take connections.
      await eventually(() => messages(api, "listening") === 2, 30_000)
      return api
    }

    it("a user hammering WEB_CONCURRENCY=2 workers gets the limit once", async () => {
      const api = await twoWorkers({ REDIS_URL: redisUrl })
      try {
        expectOneLimit(await hammer([api.url], freshUser()))
      } finally {
        await api.stop()
      }
    }, 90_000)

    it("without REDIS_URL each worker counts alone", async () => {
      const api = await twoWorkers({})
      try {
        expectALimitPerProcess(await hammer([api.url], freshUser()), 2)
      } finally {
        await api.stop()
      }
    }, 90_000)
  })

  describeWithRedisServer("when the shared Redis goes away", () => {
    let redis: PrivateRedis
    let relay: TcpRelay
    let apis: ApiInstances
    beforeAll(async () => {
      redis = await startPrivateRedis()
      // Through a relay, so Redis can also be made to stall without stopping it.
      relay = await startRelay({ host: "127.0.0.1", port: redis.port })
      apis = await startApis(2, { ...database(), ...limited, REDIS_URL: `redis://127.0.0.1:${relay.port}` })
    }, 90_000)
    afterAll(async () => {
      await apis?.stopAll()
      await relay?.cut()
      await redis?.stop()
    })

    /** Other users' requests to both instances until stopped: what they were answered. */
    const background = () => {
      const statuses: Array<number> = []
      const failures: Array<unknown> = []
      let running = true
      const loop = async (url: string) => {
        const users = Array.from({ length: 5 }, () => freshUser())
        const tokens = await Promise.all(users.map((user) => tokenFor(user)))
        for (let n = 0; running; n++) {
          try {
            const response = await fetch(`${url}/api/tasks`, { headers: { authorization: `Bearer ${tokens[n % tokens.length]}` } })
            await response.arrayBuffer()
            statuses.push(response.status)
          } catch (error) {
            failures.push(error)
          }
          await sleep(20)
        }
      }
      const loops = apis.urls.map(loop)
      return {
        stop: async () => {
          running = false
          await Promise.all(loops)
          return { statuses, failures }
        }
      }
    }

    const backInRedis = () => eventually(() => apis.instances.every((api) => messages(api, BACK) >= 1), 20_000)

    it("stopped and started under load: no 5xx, each instance counts alone meanwhile, then the limit is shared again", async () => {
      const load = background()
      expectOneLimit(await hammer(apis.urls, freshUser()))

      await redis.stop()
      const duringOutage = await hammer(apis.urls, freshUser())
      expectALimitPerProcess(duringOutage, 2)
      for (const url of apis.urls) expect((await fetch(`${url}/api/ready`)).status).toBe(200)

      await redis.start()
      await backInRedis()
      expectOneLimit(await hammer(apis.urls, freshUser()))

      const { statuses, failures } = await load.stop()
      expect(failures).toEqual([])
      expect(statuses.length).toBeGreaterThan(0)
      expect(statuses.filter((status) => status >= 500)).toEqual([])
      for (const api of apis.instances) {
        expect(messages(api, UNREACHABLE)).toBe(1)
        expect(messages(api, BACK)).toBe(1)
      }
    }, 90_000)

    it("stalled (answering nothing): requests wait at most the 500 ms deadline, then count in each process", async () => {
      const before = apis.instances.map((api) => messages(api, BACK))
      relay.freeze()
      const stalled = await hammer(apis.urls, freshUser())
      expectALimitPerProcess(stalled, 2)
      // The deadline on Redis, and on the PING that confirms the stall, plus a loaded machine's margin.
      expect(stalled.slowestMs).toBeLessThan(1_500)

      await relay.cut()
      await relay.open()
      await eventually(() => apis.instances.every((api, n) => messages(api, BACK) > before[n]!), 20_000)
      expectOneLimit(await hammer(apis.urls, freshUser()))
    }, 90_000)

    it("unreachable at start: instances serve, each counting alone, and share the limit once it answers", async () => {
      await redis.stop()
      const late = await startApis(2, { ...database(), ...limited, REDIS_URL: redis.url })
      try {
        for (const api of late.instances) expect(messages(api, UNREACHABLE)).toBe(1)
        expectALimitPerProcess(await hammer(late.urls, freshUser()), 2)
        await redis.start()
        await eventually(() => late.instances.every((api) => messages(api, BACK) === 1), 20_000)
        expectOneLimit(await hammer(late.urls, freshUser()))
      } finally {
        await late.stopAll()
      }
    }, 90_000)
  })
})
