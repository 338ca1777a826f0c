/**
 * `/mcp` as an MCP client meets it: the official SDK's Streamable HTTP client against the built
 * `todo-api`, on the embedded database and on PostgreSQL; and the HTTP around it (401 and its
 * challenge, the RFC 9728 metadata, Origin, CORS, request ids, the access log) over plain fetch.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import {
  call,
  describeOnPostgres,
  freshSchema,
  freshUser,
  type McpHarness,
  mcpToolContract,
  refused,
  succeeded,
  type TaskJson,
  Tokens
} from "@todo/testing"
import { mkdtemp, rm } from "node:fs/promises"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ApiProcess, startApi } from "./support/ApiProcess.js"
import { SECRET } from "./support/TestServer.js"

const ALLOWED_ORIGIN = "https://app.example.com"

const tokenFor = (user: string) => Tokens.mintHs256(SECRET, { subject: user })

const connect = (api: () => ApiProcess) => async (user: string): Promise<Client> => {
  const client = new Client({ name: "todo-api-tests", version: "1.0.0" })
  const headers = { authorization: `Bearer ${await tokenFor(user)}` }
  await client.connect(new StreamableHTTPClientTransport(new URL(`${api().url}/mcp`), { requestInit: { headers } }))
  await client.listTools()
  return client
}

const harnessOf = (api: () => ApiProcess): McpHarness => ({ connect: connect(api) })

/** A POST of one JSON-RPC message to `/mcp`, as a client without the SDK sends it. */
const post = (api: ApiProcess, headers: Record<string, string>, body: unknown = { jsonrpc: "2.0", id: 1, method: "tools/list" }) =>
  fetch(`${api.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body)
  })

const withDataDir = () => {
  let dir = ""
  return {
    create: async () => (dir = await mkdtemp(join(tmpdir(), "todo-mcp-"))),
    remove: () => rm(dir, { recursive: true, force: true })
  }
}

describe("/mcp on the embedded database", () => {
  let api: ApiProcess
  const data = withDataDir()
  beforeAll(async () => {
    api = await startApi({ DATA_DIR: await data.create(), CORS_ORIGINS: ALLOWED_ORIGIN, LOG_LEVEL: "info" })
  })
  afterAll(async () => {
    await api?.stop()
    await data.remove()
  })

  mcpToolContract(() => harnessOf(() => api))

  it("a task added over MCP is served by the REST API, and one added over REST is read over MCP", async () => {
    const user = freshUser("both")
    const rest = { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "application/json" }
    const client = await connect(() => api)(user)
    try {
      const added = succeeded(await call(client, "add_task", { title: "From the agent", tags: ["mcp"] }))
      const served = await fetch(`${api.url}/api/${user}/tasks/${added.id}`, { headers: rest })
      expect(served.status).toBe(200)
      expect(await served.json()).toEqual(added)

      const created = await fetch(`${api.url}/api/tasks`, { method: "POST", headers: rest, body: JSON.stringify({ title: "From REST" }) })
      const fromRest = (await created.json()) as TaskJson
      expect(succeeded(await call(client, "get_task", { id: fromRest.id }))).toEqual(fromRest)
      const listed = await fetch(`${api.url}/api/tasks`, { headers: rest })
      expect(succeeded(await call(client, "list_tasks", {}))).toEqual({ tasks: await listed.json(), next_cursor: null })
    } finally {
      await client.close()
    }
  })

  it("no token is 401 with a challenge naming the protected resource metadata", async () => {
    const response = await post(api, {})
    expect(response.status).toBe(401)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${api.url}/.well-known/oauth-protected-resource/mcp"`
    )
  })

  it("a refused token is 401 with error=\"invalid_token\" too; the challenge names the Host the request reached", async () => {
    const expired = await Tokens.mintHs256(SECRET, { subject: "someone", expiresAt: "-1h" })
    // fetch sets Host itself: node:http sends the one given.
    const challenge = await new Promise<string | undefined>((resolve, reject) => {
      const request = httpRequest(`${api.url}/mcp`, {
        method: "POST",
        headers: { host: "api.example.com:8443", authorization: `Bearer ${expired}`, "content-type": "application/json" }
      }, (response) => {
        response.resume()
        expect(response.statusCode).toBe(401)
        resolve(response.headers["www-authenticate"])
      })
      request.once("error", reject)
      request.end("{}")
    })
    expect(challenge).toBe(
      `Bearer resource_metadata="http://api.example.com:8443/.well-known/oauth-protected-resource/mcp", error="invalid_token", ` +
        `error_description="the token has expired"`
    )
  })

  it("serves the RFC 9728 metadata at both paths, without authorization_servers when BETTER_AUTH_URL is unset", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const response = await fetch(`${api.url}${path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe("application/json")
      expect(await response.json()).toEqual({ resource: `${api.url}/mcp`, bearer_methods_supported: ["header"] })
    }
    const proxied = await fetch(`${api.url}/.well-known/oauth-protected-resource`, {
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "todo.example.com" }
    })
    expect(((await proxied.json()) as { resource: string }).resource).toBe("https://todo.example.com/mcp")
  })

  it("an Origin that CORS_ORIGINS does not list is 403, with or without a token; a listed one gets the CORS headers", async () => {
    const token = await tokenFor(freshUser("origin"))
    for (
      const headers of [{ origin: "https://evil.example.com" }, { origin: "https://evil.example.com", authorization: `Bearer ${token}` }]
    ) {
      const response = await post(api, headers)
      expect(response.status).toBe(403)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
    }
    const allowed = await post(api, { origin: ALLOWED_ORIGIN, authorization: `Bearer ${token}` })
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN)
    expect(allowed.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("mcp-session-id")
  })

  it("a preflight from a listed origin allows the MCP headers", async () => {
    const response = await fetch(`${api.url}/mcp`, {
      method: "OPTIONS",
      headers: {
        origin: ALLOWED_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, mcp-session-id, mcp-protocol-version"
      }
    })
    expect(response.status).toBe(204)
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN)
    const allowed = response.headers.get("access-control-allow-headers")?.toLowerCase() ?? ""
    for (const header of ["authorization", "content-type", "mcp-session-id", "mcp-protocol-version"]) expect(allowed).toContain(header)
  })

  it("is stateless: GET and DELETE are 405 with Allow: POST, and no session id is issued", async () => {
    const authorization = `Bearer ${await tokenFor(freshUser("stateless"))}`
    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(`${api.url}/mcp`, { method, headers: { authorization, accept: "text/event-stream" } })
      expect(response.status).toBe(405)
      expect(response.headers.get("allow")).toBe("POST")
    }
    const initialized = await post(api, { authorization }, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "1" } }
    })
    expect(initialized.status).toBe(200)
    expect(initialized.headers.get("mcp-session-id")).toBeNull()
    expect(((await initialized.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe("todo-api")
  })

  it("keeps the REST rules: request ids, the body limit, and malformed JSON as problems", async () => {
    const authorization = `Bearer ${await tokenFor(freshUser("limits"))}`
    const echoed = await post(api, { authorization, "x-request-id": "agent-request-1" })
    expect(echoed.headers.get("x-request-id")).toBe("agent-request-1")
    const large = await post(api, { authorization }, { jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(70_000) } })
    expect(large.status).toBe(413)
    const malformed = await fetch(`${api.url}/mcp`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{"
    })
    expect(malformed.status).toBe(400)
    expect(malformed.headers.get("content-type")).toBe("application/problem+json")
  })

  it("logs one line per request, with its user and never a tool's arguments or results", async () => {
    const user = freshUser("logged")
    const client = await connect(() => api)(user)
    try {
      refused(await call(client, "get_task", { id: 2_000_000_000 }))
      succeeded(await call(client, "add_task", { title: "a-secret-title-in-the-log?" }))
    } finally {
      await client.close()
    }
    const lines = api.lines.filter((line) => line.includes(user))
    expect(lines.length).toBeGreaterThan(2)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ message: "request", route: "/mcp", user_id: user })
    expect(api.lines.join("\n")).not.toContain("a-secret-title-in-the-log")
  })

  it("is declared in the OpenAPI document, with its metadata routes", async () => {
    const spec = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    expect(Object.keys(spec.paths["/mcp"] ?? {})).toEqual(["post"])
    expect(spec.paths["/.well-known/oauth-protected-resource"]?.["get"]).toBeDefined()
    expect(spec.paths["/.well-known/oauth-protected-resource/mcp"]?.["get"]).toBeDefined()
  })
})

describe("/mcp with Better Auth's JWKS", () => {
  let api: ApiProcess
  let jwks: Tokens.JwksServer
  let key: Tokens.SigningKey
  let authServer: string
  const data = withDataDir()
  beforeAll(async () => {
    key = await Tokens.generateSigningKey("EdDSA")
    jwks = await Tokens.serveJwks([key])
    authServer = jwks.url.origin
    api = await startApi({ DATA_DIR: await data.create(), BETTER_AUTH_URL: authServer, BETTER_AUTH_SECRET: "" })
  })
  afterAll(async () => {
    await api?.stop()
    await jwks?.close()
    await data.remove()
  })

  it("names BETTER_AUTH_URL as the authorization server", async () => {
    const response = await fetch(`${api.url}/.well-known/oauth-protected-resource/mcp`)
    expect(await response.json()).toEqual({
      resource: `${api.url}/mcp`,
      authorization_servers: [authServer],
      bearer_methods_supported: ["header"]
    })
  })

  it("accepts a token whose aud is the resource URL on /mcp, and only there", async () => {
    const user = freshUser("oauth")
    const forMcp = await key.sign({ subject: user, issuer: authServer, audience: `${api.url}/mcp` })
    const mcp = await post(api, { authorization: `Bearer ${forMcp}` })
    expect(mcp.status).toBe(200)
    const rest = await fetch(`${api.url}/api/tasks`, { headers: { authorization: `Bearer ${forMcp}` } })
    expect(rest.status).toBe(401)
    const forAnother = await key.sign({ subject: user, issuer: authServer, audience: "https://other.example.com/mcp" })
    expect((await post(api, { authorization: `Bearer ${forAnother}` })).status).toBe(401)
    const usual = await key.sign({ subject: user, issuer: authServer, audience: authServer })
    expect((await post(api, { authorization: `Bearer ${usual}` })).status).toBe(200)
  })
})

describeOnPostgres("/mcp on PostgreSQL", () => {
  let api: ApiProcess
  let schema: Awaited<ReturnType<typeof freshSchema>>
  beforeAll(async () => {
    schema = await freshSchema("mcp_http")
    api = await startApi({ DATABASE_URL: schema.url })
  })
  afterAll(async () => {
    await api?.stop()
    await schema?.drop()
  })

  mcpToolContract(() => harnessOf(() => api))
})
