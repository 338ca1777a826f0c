/** A browser's preflight from an origin CORS_ORIGINS does not let in says so, and how to allow it, over real HTTP. */
import { InMemoryTaskRepository } from "@todo/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALLOWED_ORIGIN, startServer, type TestServer } from "./support/TestServer.js"

const preflight = (server: TestServer, origin: string, path = "/api/tasks") =>
  fetch(`${server.url}${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" }
  })

const expectRefusal = async (response: Response, detail: RegExp) => {
  expect(response.status).toBe(403)
  expect(response.headers.get("content-type")).toBe("application/problem+json")
  expect(response.headers.get("access-control-allow-origin")).toBeNull()
  expect(response.headers.get("x-request-id")).not.toBeNull()
  const problem = (await response.json()) as { detail: string }
  expect(problem).toMatchObject({ type: "about:blank", status: 403, title: "Forbidden" })
  expect(problem.detail).toMatch(detail)
}

describe("a preflight from an origin that is not allowed", () => {
  let unset: TestServer
  let listed: TestServer
  beforeAll(async () => {
    unset = await startServer(InMemoryTaskRepository.layer, { corsOrigins: [] })
    listed = await startServer(InMemoryTaskRepository.layer)
  })
  afterAll(async () => {
    await unset.close()
    await listed.close()
  })

  it("with CORS_ORIGINS unset, is a 403 problem saying no origin is allowed until CORS_ORIGINS is set (not a 405)", async () => {
    for (const path of ["/api/tasks", "/api/someone/tasks/1", "/api/health"]) {
      await expectRefusal(
        await preflight(unset, "http://localhost:3000", path),
        /^The origin http:\/\/localhost:3000 is not allowed to call this API from a browser: CORS_ORIGINS is not set.*setting CORS_ORIGINS/
      )
    }
  })

  it("with CORS_ORIGINS not listing it, is a 403 problem saying to add it to CORS_ORIGINS", async () => {
    await expectRefusal(
      await preflight(listed, "https://evil.example.com"),
      /^The origin https:\/\/evil\.example\.com is not allowed .*CORS_ORIGINS does not list it; .*adding it to CORS_ORIGINS/
    )
    expect((await preflight(listed, ALLOWED_ORIGIN)).status).toBe(204)
  })

  it("never echoes what is not an origin", async () => {
    const response = await preflight(listed, "<script>alert(1)</script>")
    await expectRefusal(response, /^This origin is not allowed/)
  })

  it("an OPTIONS that is not a preflight is still answered with the path's methods", async () => {
    const response = await fetch(`${unset.url}/api/tasks`, { method: "OPTIONS" })
    expect(response.status).toBe(405)
  })
})
