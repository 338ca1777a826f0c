/**
 * PostgreSQL taken away mid-traffic (through a relay; the shared server keeps running): every
 * request is answered 503 with Retry-After within about 5 s, readiness says 503, and the API recovers
 * by itself when the database returns.
 */
import { Database } from "@todo/postgres"
import { ConfigProvider, Layer } from "effect"
import { describeOnPostgres, freshSchema, type FreshSchema, startRelay, type TcpRelay } from "@todo/testing"
import { afterAll, beforeAll, expect, it } from "vitest"
import { freshUser, startServer, type TestServer, tokenFor } from "./support/TestServer.js"

/** A refused connection fails at once; a silent one waits out the adapter's 4.5 s operation timeout. */
const BOUND_MS = { cut: 5_000, freeze: 5_000 } as const

interface Sample {
  readonly sentAt: number
  readonly ms: number
  readonly status: number
  readonly retryAfter: string | null
  readonly contentType: string | null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const outageSuite = (base: string) => {
  let schema: FreshSchema
  let relay: TcpRelay
  let server: TestServer
  beforeAll(async () => {
    schema = await freshSchema("http_outage", base)
    const target = new URL(base)
    relay = await startRelay({ host: target.hostname, port: Number(target.port || 5432) })
    const viaRelay = new URL(schema.url)
    viaRelay.hostname = "127.0.0.1"
    viaRelay.port = String(relay.port)
    const config = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", viaRelay.toString()]])))
    server = await startServer(Database.layer.pipe(Layer.provide(config)))
  })
  afterAll(async () => {
    await server?.close()
    await relay?.cut()
    await schema?.drop()
  })

  /** Requests from `workers` loops until `stop()`, each one timed. */
  const traffic = async (workers: number) => {
    const user = freshUser()
    const headers = { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" }
    const samples: Array<Sample> = []
    let running = true
    const one = async (n: number) => {
      const sentAt = Date.now()
      const response = n % 2 === 0
        ? await fetch(`${server.url}/api/${user}/tasks?limit=5`, { headers })
        : await fetch(`${server.url}/api/${user}/tasks`, { method: "POST", headers, body: `{"title":"during the outage"}` })
      await response.arrayBuffer()
      samples.push({
        sentAt,
        ms: Date.now() - sentAt,
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        contentType: response.headers.get("content-type")
      })
    }
    const loops = Array.from({ length: workers }, async (_, worker) => {
      for (let n = worker; running; n++) await one(n)
    })
    return {
      samples,
      stop: async () => {
        running = false
        await Promise.all(loops)
      }
    }
  }

  const ready = async () => (await fetch(`${server.url}/api/ready`)).status

  const summary = (samples: ReadonlyArray<Sample>) => {
    const statuses: Record<number, number> = {}
    for (const sample of samples) statuses[sample.status] = (statuses[sample.status] ?? 0) + 1
    const slowest = Math.max(0, ...samples.map((sample) => sample.ms))
    return { count: samples.length, statuses, slowest }
  }

  const expectOutageAnswers = (during: ReadonlyArray<Sample>, boundMs: number) => {
    expect(during.length).toBeGreaterThan(0)
    for (const sample of during) {
      expect(sample.status).toBe(503)
      expect(Number(sample.retryAfter)).toBeGreaterThan(0)
      expect(sample.contentType).toMatch(/^application\/problem\+json/)
      expect(sample.ms).toBeLessThan(boundMs)
    }
  }

  /** Until the first request sent after `since` succeeds: the recovery time, in ms. */
  const recovery = async (samples: ReadonlyArray<Sample>, since: number) => {
    for (let waited = 0; waited < 20_000; waited += 50) {
      const first = samples.find((sample) => sample.sentAt >= since && sample.status < 300)
      if (first !== undefined) return first.sentAt + first.ms - since
      await sleep(50)
    }
    throw new Error("the API did not recover within 20 s of the database's return")
  }

  for (const mode of ["cut", "freeze"] as const) {
    it(
      `database ${mode === "cut" ? "gone (connections dropped and refused)" : "silent (connections hang)"}: 503 within ${
        BOUND_MS[mode] / 1000
      } s, ready 503, recovery without a restart`,
      async () => {
        expect(await ready()).toBe(200)
        const load = await traffic(6)
        await sleep(1_000)

        const cutAt = Date.now()
        if (mode === "cut") await relay.cut()
        else relay.freeze()
        await sleep(mode === "cut" ? 3_000 : 7_000)
        const readyDuring = await ready()

        if (mode === "freeze") await relay.cut()
        const backAt = Date.now()
        await relay.open()
        const recoveryMs = await recovery(load.samples, backAt)
        await sleep(1_000)
        await load.stop()

        const before = load.samples.filter((sample) => sample.sentAt + sample.ms < cutAt)
        // Sent once the database was gone, answered before it was back.
        const during = load.samples.filter((sample) => sample.sentAt > cutAt && sample.sentAt + sample.ms < backAt)
        const after = load.samples.filter((sample) => sample.sentAt > backAt + recoveryMs)
        console.info(
          `database outage (${mode}):`,
          JSON.stringify({
            before: summary(before),
            during: summary(during),
            ready_during: readyDuring,
            recovery_ms: recoveryMs,
            after: summary(after),
            all_statuses: summary(load.samples).statuses
          })
        )

        expect(before.every((sample) => sample.status < 300)).toBe(true)
        expectOutageAnswers(during, BOUND_MS[mode])
        expect(readyDuring).toBe(503)
        expect(load.samples.every((sample) => sample.status < 300 || sample.status === 503)).toBe(true)
        expect(load.samples.every((sample) => sample.ms < BOUND_MS[mode])).toBe(true)
        expect(after.length).toBeGreaterThan(0)
        expect(after.every((sample) => sample.status < 300)).toBe(true)
        expect(await ready()).toBe(200)
      },
      60_000
    )
  }
}

describeOnPostgres("the API while PostgreSQL goes away and comes back", outageSuite)
