/** Two built `todo-api` processes on one PostgreSQL: a write through either reaches the streams held by the other. */
import { describeOnPostgres, freshSchema, type FreshSchema } from "@todo/testing"
import { EventSource } from "eventsource"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiInstances, startApis } from "./support/ApiProcess.js"
import { freshUser, tokenFor } from "./support/TestServer.js"

const until = async (check: () => boolean, withinMs: number) => {
  for (const started = Date.now(); !check(); await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`)
  }
}

describeOnPostgres("live events across instances", (databaseUrl) => {
  let schema: FreshSchema
  let apis: ApiInstances

  beforeAll(async () => {
    schema = await freshSchema("http_events", databaseUrl)
    apis = await startApis(2, { DATABASE_URL: schema.url, RATE_LIMIT_PER_MINUTE: "0" })
  }, 120_000)
  afterAll(async () => {
    await apis?.stopAll()
    await schema?.drop()
  })

  const create = async (url: string, user: string, title: string) => {
    const response = await fetch(`${url}/api/${user}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" },
      body: JSON.stringify({ title })
    })
    expect(response.status).toBe(201)
  }

  const follow = async (url: string, user: string, lastEventId?: string) => {
    const token = await tokenFor(user)
    const titles: Array<string> = []
    const ids: Array<string> = []
    const source = new EventSource(`${url}/api/${user}/events`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...init?.headers,
            authorization: `Bearer ${token}`,
            ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId })
          }
        })
    })
    source.addEventListener("task.created", (event) => {
      ids.push(event.lastEventId)
      titles.push(JSON.parse(event.data).task.title)
    })
    await new Promise<void>((resolve, reject) => {
      source.onopen = () => resolve()
      source.onerror = reject
    })
    return { source, titles, ids }
  }

  describe("two instances", () => {
    it("a write through one reaches a stream on the other within a second; resuming on either loses nothing", async () => {
      const [a, b] = apis.urls as [string, string]
      const user = freshUser()
      const onB = await follow(b, user)
      const sent = Date.now()
      await create(a, user, "written on A")
      await until(() => onB.titles.length === 1, 1_000)
      expect(Date.now() - sent).toBeLessThan(1_000)
      onB.source.close()

      await create(b, user, "written on B while away")
      await create(a, user, "written on A while away")
      const onA = await follow(a, user, onB.ids[0])
      await create(b, user, "written on B, live")
      await until(() => onA.titles.length === 3, 2_000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      onA.source.close()
      expect(onA.titles).toEqual(["written on B while away", "written on A while away", "written on B, live"])
    }, 30_000)
  })
})
