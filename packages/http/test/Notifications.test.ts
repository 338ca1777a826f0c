/**
 * Reminders and webhooks from built `todo-api` processes on one PostgreSQL: each reminder is
 * emitted once however many instances run, and after a `kill -9` when it fell due meanwhile;
 * each change reaches a real receiver signed per Standard Webhooks, once per `webhook-id`, after
 * the receiver was down, from two instances, and after a `kill -9` in the middle of a delivery.
 */
import { describeOnPostgres, freshSchema, type FreshSchema, startWebhookReceiver, type WebhookReceiver } from "@todo/testing"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type ApiInstances, type ApiProcess, startApi, startApis } from "./support/ApiProcess.js"
import { freshUser, tokenFor } from "./support/TestServer.js"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const SECRET = `whsec_${Buffer.from("a webhook secret of 32 bytes....").toString("base64")}`
/** Retries 5× sooner than in production: 2 s, 8 s; a 2 s attempt timeout and a 6 s lease. */
const TIME_SCALE = "0.2"

const send = async (url: string, user: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}/api/${user}/tasks${path}`, {
    method,
    headers: { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return text === "" ? undefined : (JSON.parse(text) as { id: number; remind_at: string | null })
}

interface ChangeRow {
  readonly user_id: string
  readonly type: string
  readonly task_id: number
  readonly at: Date
}

/** The recorded changes of `user`, read from the feed's table. */
const changesOf = async (schemaUrl: string, user: string): Promise<Array<ChangeRow>> => {
  const client = new pg.Client({ connectionString: schemaUrl })
  await client.connect()
  try {
    const { rows } = await client.query<ChangeRow>(
      "SELECT user_id, type, task_id, at FROM task_changes WHERE user_id = $1 ORDER BY position",
      [user]
    )
    return rows
  } finally {
    await client.end()
  }
}

const until = async (predicate: () => Promise<boolean>, timeoutMs: number, what: string) => {
  for (const started = Date.now(); !(await predicate()); await sleep(200)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
  }
}

const remindersOf = async (schemaUrl: string, user: string) =>
  (await changesOf(schemaUrl, user)).filter((change) => change.type === "reminder")

describeOnPostgres("reminders from several API processes on one PostgreSQL", () => {
  let schema: FreshSchema
  let apis: ApiInstances | undefined
  const started: Array<ApiProcess> = []

  beforeAll(async () => {
    schema = await freshSchema("reminders")
  })
  afterEach(async () => {
    await apis?.stopAll()
    apis = undefined
    await Promise.all(started.splice(0).map((api) => api.stop()))
  })
  afterAll(async () => {
    await schema.drop()
  })

  it("two instances emit each due reminder exactly once, within 5 seconds of remind_at", async () => {
    apis = await startApis(2, { DATABASE_URL: schema.url })
    const user = freshUser()
    const remindAt = new Date(Date.now() + 2_000).toISOString()
    const tasks = await Promise.all(
      Array.from({ length: 12 }, (_, n) => send(apis!.urls[n % 2]!, user, "POST", "", { title: `remind ${n}`, remind_at: remindAt }))
    )
    await until(async () => (await remindersOf(schema.url, user)).length >= 12, 10_000, "12 reminders")
    await sleep(2_500)
    const reminders = await remindersOf(schema.url, user)
    expect(reminders.map((reminder) => reminder.task_id).sort()).toEqual(tasks.map((task) => task!.id).sort())
    for (const reminder of reminders) {
      const late = reminder.at.getTime() - Date.parse(remindAt)
      expect(late).toBeGreaterThanOrEqual(0)
      expect(late).toBeLessThan(5_000)
    }
  }, 60_000)

  it("a reminder that fell due while the only instance was killed (kill -9) is emitted once it is started again", async () => {
    const first = await startApi({ DATABASE_URL: schema.url })
    const user = freshUser()
    const task = await send(first.url, user, "POST", "", { title: "while down", remind_at: new Date(Date.now() + 1_500).toISOString() })
    await first.kill()
    await sleep(3_000)
    expect(await remindersOf(schema.url, user)).toEqual([])
    const second = await startApi({ DATABASE_URL: schema.url })
    started.push(second)
    await until(async () => (await remindersOf(schema.url, user)).length > 0, 5_000, "the reminder after restart")
    await sleep(1_500)
    expect((await remindersOf(schema.url, user)).map((reminder) => reminder.task_id)).toEqual([task!.id])
  }, 60_000)
})

describeOnPostgres("webhooks from API processes on one PostgreSQL, to a receiver verifying with standardwebhooks", () => {
  let schema: FreshSchema
  let receiver: WebhookReceiver
  let apis: ApiInstances | undefined
  const started: Array<ApiProcess> = []
  const env = () => ({
    DATABASE_URL: schema.url,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: SECRET,
    TODO_INTERNAL_WEBHOOK_TIME_SCALE: TIME_SCALE
  })

  beforeAll(async () => {
    schema = await freshSchema("webhooks")
    receiver = await startWebhookReceiver(SECRET)
  })
  afterEach(async () => {
    await apis?.stopAll()
    apis = undefined
    await Promise.all(started.splice(0).map((api) => api.stop()))
    receiver.mode = "up"
  })
  afterAll(async () => {
    await receiver.close()
    await schema.drop()
  })

  const ofUser = (user: string) => receiver.received.filter((item) => item.payload?.["user_id"] === user)

  it("two instances deliver every change once, signed, as the change plus user_id", async () => {
    apis = await startApis(2, env())
    const user = freshUser()
    const ids: Array<number> = []
    for (let n = 0; n < 10; n++) ids.push((await send(apis.urls[n % 2]!, user, "POST", "", { title: `hook ${n}` }))!.id)
    await send(apis.urls[0]!, user, "PUT", `/${ids[0]}`, { title: "renamed" })
    await send(apis.urls[1]!, user, "DELETE", `/${ids[1]}`)
    const expected = await changesOf(schema.url, user)
    expect(expected.length).toBe(12)
    await receiver.waitFor(() => ofUser(user).length >= 12, 15_000, "12 deliveries")
    await sleep(2_000)
    const deliveries = ofUser(user)
    expect(deliveries.every((item) => item.verified && item.answered === "up")).toBe(true)
    expect(new Set(deliveries.map((item) => item.id)).size).toBe(12)
    expect(deliveries.length).toBe(12)
    expect(deliveries.map((item) => item.payload!["type"]).sort()).toEqual(expected.map((change) => change.type).sort())
    const renamed = deliveries.find((item) => item.payload!["type"] === "updated")!
    expect(renamed.payload).toMatchObject({ task_id: ids[0], user_id: user, task: { id: ids[0], title: "renamed", user_id: user } })
    expect(deliveries.find((item) => item.payload!["type"] === "deleted")!.payload).toMatchObject({ task_id: ids[1], task: null })
    expect(renamed.headers["content-type"]).toBe("application/json")
    expect(renamed.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
  }, 60_000)

  it("with the receiver down for a while, every change arrives once it is up, retried under its one webhook-id", async () => {
    apis = await startApis(2, env())
    receiver.mode = "down"
    const user = freshUser()
    for (let n = 0; n < 8; n++) await send(apis.urls[n % 2]!, user, "POST", "", { title: `retried ${n}` })
    await receiver.waitFor(() => new Set(ofUser(user).map((item) => item.id)).size >= 8, 10_000, "a first attempt of each")
    await sleep(3_000)
    receiver.mode = "up"
    await receiver.waitFor(
      () => new Set(ofUser(user).filter((item) => item.answered === "up").map((item) => item.id)).size >= 8,
      30_000,
      "every change accepted"
    )
    await sleep(2_000)
    const deliveries = ofUser(user)
    const ids = new Set(deliveries.map((item) => item.id))
    expect(ids.size).toBe(8)
    for (const id of ids) {
      const attempts = deliveries.filter((item) => item.id === id)
      expect(attempts.length).toBeGreaterThanOrEqual(2)
      expect(new Set(attempts.map((item) => item.body)).size).toBe(1)
      expect(attempts.filter((item) => item.answered === "up").length).toBe(1)
    }
  }, 90_000)

  it("a delivery in flight when its process is killed (kill -9) is made after a restart, under the same webhook-id", async () => {
    const first = await startApi(env())
    receiver.mode = "hang"
    const user = freshUser()
    await send(first.url, user, "POST", "", { title: "in flight" })
    await receiver.waitFor(() => ofUser(user).length > 0, 10_000, "the delivery to arrive")
    const id = ofUser(user)[0]!.id
    await first.kill()
    receiver.mode = "up"
    const second = await startApi(env())
    started.push(second)
    await receiver.waitFor(() => ofUser(user).some((item) => item.answered === "up"), 20_000, "the delivery after restart")
    expect(new Set(ofUser(user).map((item) => item.id))).toEqual(new Set([id]))
  }, 60_000)
})

describe("reminders and webhooks on the embedded database (one process)", () => {
  let dataDir: string
  let receiver: WebhookReceiver
  let api: ApiProcess | undefined

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "todo-notify-"))
    receiver = await startWebhookReceiver(SECRET)
  })
  afterAll(async () => {
    await api?.stop()
    await receiver.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it("a due reminder is emitted and every change, the reminder included, is delivered signed", async () => {
    api = await startApi({ DATA_DIR: dataDir, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET }, 120_000)
    const user = freshUser()
    const task = await send(api.url, user, "POST", "", { title: "embedded", remind_at: new Date(Date.now() - 1_000).toISOString() })
    await receiver.waitFor(
      () => receiver.received.filter((item) => item.payload?.["user_id"] === user).length >= 2,
      15_000,
      "two deliveries"
    )
    const payloads = receiver.received.filter((item) => item.verified && item.payload?.["user_id"] === user).map((item) => item.payload!)
    expect(payloads.map((payload) => payload["type"])).toEqual(["created", "reminder"])
    expect(payloads[1]).toMatchObject({ task_id: task!.id, task: { id: task!.id, remind_at: task!.remind_at, completed: false } })
  }, 150_000)
})

describe("webhook settings at start", () => {
  it("a bad WEBHOOK_SECRET, or a WEBHOOK_URL without one, refuses to start, naming the variable", async () => {
    await expect(startApi({ WEBHOOK_URL: "https://example.com/hook", WEBHOOK_SECRET: "whsec_short" })).rejects.toThrow(
      /invalid configuration: WEBHOOK_SECRET: must be whsec_/
    )
    await expect(startApi({ WEBHOOK_URL: "https://example.com/hook" })).rejects.toThrow(
      /invalid configuration: WEBHOOK_SECRET: must be set when WEBHOOK_URL is/
    )
  })
})
