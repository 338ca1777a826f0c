/**
 * The live events in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) on a page from another origin opens an `EventSource` with `?access_token=`,
 * sees another client's task within a second, and after the API restarts resumes with a fresh
 * token and `?since=<last id>`, losing nothing.
 */
import { skipLoudly } from "@todo/testing"
import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiProcess, startApi } from "./support/ApiProcess.js"
import { freshUser, tokenFor } from "./support/TestServer.js"

const CHROMIUM = "/usr/bin/chromium"
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** The page a frontend would serve: it follows one URL and keeps every event it receives. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>feed</title>
<script>
  window.received = []
  window.follow = (url) => new Promise((resolve, reject) => {
    if (window.source) window.source.close()
    const source = new EventSource(url)
    window.source = source
    for (const type of ["task.created", "task.updated", "task.deleted", "task.reminder"]) {
      source.addEventListener(type, (event) => {
        window.lastId = event.lastEventId
        window.received.push({ type, id: event.lastEventId, at: performance.now(), change: JSON.parse(event.data) })
      })
    }
    source.onopen = () => resolve()
    source.onerror = () => { if (source.readyState === EventSource.CLOSED) reject(new Error("closed")) }
  })
</script>`

const serveStatic = () =>
  new Promise<Server>((resolve) => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      response.end(PAGE)
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

if (!existsSync(CHROMIUM)) {
  skipLoudly("live events in headless Chromium", `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`)
} else {
  describe("live events in headless Chromium", () => {
    let dataDir: string
    let site: Server
    let origin: string
    let browser: Browser
    let page: Page
    let api: ApiProcess | undefined

    const start = () => startApi({ DATA_DIR: dataDir, CORS_ORIGINS: origin, LOG_LEVEL: "warn" }, 120_000)

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), "todo-http-browser-"))
      site = await serveStatic()
      origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
      browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
      page = await browser.newPage()
      await page.goto(`${origin}/`)
    }, 60_000)

    afterAll(async () => {
      await browser?.close()
      await api?.stop()
      site?.close()
      await rm(dataDir, { recursive: true, force: true })
    })

    const create = async (user: string, title: string) => {
      const response = await fetch(`${api!.url}/api/${user}/tasks`, {
        method: "POST",
        headers: { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" },
        body: JSON.stringify({ title })
      })
      expect(response.status).toBe(201)
      return (await response.json()) as { id: number; title: string }
    }

    const receivedTitles = (): Promise<Array<string>> =>
      page.evaluate(() => (globalThis as any).received.map((event: any) => event.change.task.title))

    const untilReceived = (count: number, withinMs: number) =>
      page.waitForFunction((count) => (globalThis as any).received.length >= count, count, { timeout: withinMs })

    it("sees another client's task within a second, and after a restart resumes from its last id, losing nothing", async () => {
      const user = freshUser()
      api = await start()
      await page.evaluate((url) => (globalThis as any).follow(url), `${api.url}/api/${user}/events?access_token=${await tokenFor(user)}`)

      const sent = Date.now()
      await create(user, "from another client")
      await untilReceived(1, 1_000)
      expect(Date.now() - sent).toBeLessThan(1_000)

      await create(user, "before the restart")
      await untilReceived(2, 2_000)
      await api.stop()
      api = await start()
      // Written while the page is away: the resumed stream must bring them.
      await create(user, "while away 1")
      await create(user, "while away 2")
      const lastId = await page.evaluate(() => (globalThis as any).lastId as string)
      await page.evaluate(
        (url) => (globalThis as any).follow(url),
        `${api.url}/api/${user}/events?access_token=${await tokenFor(user)}&since=${encodeURIComponent(lastId)}`
      )
      await create(user, "after reconnecting")
      await untilReceived(5, 3_000)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await receivedTitles()).toEqual([
        "from another client",
        "before the restart",
        "while away 1",
        "while away 2",
        "after reconnecting"
      ])
    }, 300_000)
  })
}
