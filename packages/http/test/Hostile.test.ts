/**
 * Generated hostile input over real HTTP: bodies, query strings, paths and headers. Whatever
 * is sent, the answer is one of the contract's statuses, in time, and every error is problem+json.
 */
import { InMemoryTaskRepository } from "@todo/testing"
import fc from "fast-check"
import { Agent, request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshUser, startServer, type TestServer, tokenFor } from "./support/TestServer.js"

const CONTRACT_STATUSES = [200, 201, 204, 400, 401, 403, 404, 405, 412, 413, 414, 415, 422, 429, 431, 503]
const ANSWER_WITHIN_MS = 5_000

interface Reply {
  readonly status: number
  readonly contentType: string | undefined
  readonly body: string
}

let server: TestServer
let user: string
let token: string
let taskId: number
const agent = new Agent({ keepAlive: true, maxSockets: 8 })

beforeAll(async () => {
  server = await startServer(InMemoryTaskRepository.layer)
  user = freshUser()
  token = await tokenFor(user)
  const created = await send("POST", `/api/${user}/tasks`, { "content-type": "application/json" }, `{"title":"target"}`)
  taskId = JSON.parse(created.body).id
})
afterAll(async () => {
  agent.destroy()
  await server.close()
})

const send = (method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array) =>
  new Promise<Reply>((resolve, reject) => {
    const url = new URL(server.url)
    const req = request({
      host: url.hostname,
      port: url.port,
      method,
      path,
      agent,
      timeout: ANSWER_WITHIN_MS,
      headers: {
        authorization: `Bearer ${token}`,
        // Framed, so a body on a GET or DELETE is not read as the next request.
        ...(body === undefined || headers["transfer-encoding"] !== undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }),
        ...headers
      }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({
          status: response.statusCode!,
          contentType: response.headers["content-type"],
          body: Buffer.concat(chunks).toString("utf8")
        }))
      response.on("error", reject)
    })
    req.on("timeout", () => req.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms: ${method} ${path}`)))
    req.on("error", reject)
    req.end(body)
  })

const expectContractAnswer = (reply: Reply, method: string) => {
  expect(CONTRACT_STATUSES, `status ${reply.status}: ${reply.body.slice(0, 300)}`).toContain(reply.status)
  if (reply.status < 400 || method === "HEAD") return
  expect(reply.contentType).toMatch(/^application\/problem\+json/)
  expect(JSON.parse(reply.body)).toMatchObject({ status: reply.status, title: expect.any(String), detail: expect.any(String) })
}

const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"]
const TASK_FIELDS = [
  "title",
  "description",
  "completed",
  "priority",
  "tags",
  "due_date",
  "id",
  "user_id",
  "created_at",
  "updated_at",
  "recurrence",
  "timezone",
  "remind_at",
  "next_occurrence_id"
]

const anyKey = fc.oneof(fc.constantFrom(...TASK_FIELDS, ...PROTOTYPE_KEYS), fc.string({ maxLength: 12 }))
const anyText = fc.oneof(
  fc.string({ maxLength: 300, unit: "binary" }),
  fc.string({ maxLength: 30, unit: "grapheme" }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "low", "medium", "high", "2026-01-01T00:00:00Z", "9999-99-99T99:99:99Z", "FREQ=DAILY", "RRULE:FREQ=YEARLY;BYDAY=-1FR", "Europe/Berlin")
)
const leaf = fc.oneof(
  anyText,
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308)
)
const anyJsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 25 }),
  object: fc.dictionary(anyKey, tie("value"), { maxKeys: 8 })
})).value
const taskLike = fc.record(
  Object.fromEntries(TASK_FIELDS.map((field) => [field, anyJsonValue])) as Record<string, fc.Arbitrary<unknown>>,
  { requiredKeys: [] }
)

/** JSON text, including what JSON.stringify never writes: huge numbers, deep nesting, duplicate prototype keys. */
const jsonText = fc.oneof(
  fc.oneof(anyJsonValue, taskLike).map((value) => JSON.stringify(value) ?? "null"),
  fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), anyJsonValue).map(([key, value]) => `{"title":"t","${key}":${JSON.stringify(value) ?? 1}}`),
  fc.constantFrom("1e999999", "-1e999999", "123456789012345678901234567890", `{"title":1e400}`, `{"completed":1e-400}`),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `{"a":`.repeat(depth) + "1" + "}".repeat(depth)),
  fc.string({ maxLength: 200, unit: "binary" })
)
const anyBody = fc.oneof(
  jsonText.map((text): string | Uint8Array => text),
  fc.uint8Array({ maxLength: 2_000 })
)

const bodyMethodAndPath = () =>
  fc.constantFrom(
    ["POST", `/api/${user}/tasks`],
    ["POST", "/api/tasks"],
    ["PUT", `/api/${user}/tasks/${taskId}`],
    ["PATCH", `/api/tasks/${taskId}`],
    ["PATCH", `/api/${user}/tasks/${taskId}/complete`]
  )
const anyContentType = fc.oneof(
  fc.constantFrom("application/json", "application/json; charset=utf-8", "application/problem+json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""),
  fc.string({ maxLength: 60, unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) })
)

describe("hostile input over HTTP never causes a 500 or a hang", () => {
  it("generated bodies", async () => {
    await fc.assert(
      fc.asyncProperty(bodyMethodAndPath(), anyBody, anyContentType, async ([method, path], body, contentType) => {
        const reply = await send(method!, path!, contentType === "" ? {} : { "content-type": contentType }, body)
        expectContractAnswer(reply, method!)
      }),
      { numRuns: 1_000 }
    )
  }, 60_000)

  const QUERY_KEYS = ["status", "status_filter", "q", "priority", "tag", "due_before", "due_after", "sort", "order", "limit", "cursor"]
  const rawQueryPiece = fc.oneof(
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom("%", "%zz", "%00", "%C0%AF", "%ED%A0%80", "%FF", "+", "&&", "==", "a[b]=c", "__proto__[x]=1", "constructor[prototype][x]=1")
  )
  const queryString = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS, ...PROTOTYPE_KEYS), rawQueryPiece), rawQueryPiece),
    { maxLength: 8 }
  ).map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join("&"))

  it("generated query strings", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(`/api/${user}/tasks`, "/api/tasks"), queryString, async (path, query) => {
        expectContractAnswer(await send("GET", `${path}?${query}`, {}), "GET")
      }),
      { numRuns: 600 }
    )
  }, 60_000)

  const segment = fc.oneof(
    fc.string({ maxLength: 30, unit: "binary" }).map(encodeURIComponent),
    fc.constantFrom(".", "..", "%2e%2e", "%2F", "a%2Fb", "%00", "%", "%zz", "-1", "0", "01", "1e3", "0x10", "2147483648", "tasks", "api", ""),
    fc.integer({ min: 1, max: 7_000 }).map((length) => "9".repeat(length)),
    fc.constant(String(Number.MAX_SAFE_INTEGER))
  )
  const anyPath = fc.oneof(
    fc.tuple(segment, segment).map(([who, id]) => `/api/${who}/tasks/${id}`),
    fc.tuple(segment, segment).map(([id, tail]) => `/api/tasks/${id}/${tail}`),
    fc.array(segment, { maxLength: 6 }).map((segments) => `/${segments.join("/")}`),
    fc.array(segment, { maxLength: 4 }).map((segments) => `/api/${segments.join("//")}`)
  )
  const anyMethod = fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

  it("generated paths and methods", async () => {
    await fc.assert(
      fc.asyncProperty(anyMethod, anyPath, async (method, path) => {
        const withBody = method === "POST" || method === "PUT" || method === "PATCH"
        const reply = withBody
          ? await send(method, path, { "content-type": "application/json" }, `{"title":"x"}`)
          : await send(method, path, {})
        expectContractAnswer(reply, method)
      }),
      { numRuns: 800 }
    )
  }, 60_000)

  // What a client library lets through as a header value: tab, printable ASCII and Latin-1.
  const headerValue = (maxLength: number) =>
    fc.string({
      maxLength,
      unit: fc.oneof(
        fc.integer({ min: 0x20, max: 0x7e }),
        fc.integer({ min: 0xa0, max: 0xff }),
        fc.constant(0x09)
      ).map((code) => String.fromCharCode(code))
    })

  it("generated headers", async () => {
    const valid = await tokenFor(user)
    const authorization = fc.oneof(
      headerValue(200),
      headerValue(200).map((token) => `Bearer ${token}`),
      fc.constantFrom(`Bearer ${valid}`, `bearer ${valid}`, `Bearer ${valid}x`, `Basic ${valid}`, "Bearer", "Bearer ", `Bearer ${valid.split(".").slice(0, 2).join(".")}.`, "Bearer e30.e30.", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.")
    )
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          authorization,
          "content-type": anyContentType,
          "if-match": headerValue(100),
          "idempotency-key": headerValue(300),
          "x-request-id": headerValue(200)
        }, { requiredKeys: ["authorization"] }),
        fc.constantFrom(
          ["POST", `/api/${user}/tasks`],
          ["GET", `/api/${user}/tasks/${taskId}`],
          ["PUT", `/api/${user}/tasks/${taskId}`],
          ["PATCH", `/api/tasks/${taskId}`],
          ["DELETE", `/api/tasks/999999`]
        ),
        async (headers, [method, path]) => {
          const reply = await send(method!, path!, headers as Record<string, string>, `{"title":"from headers"}`)
          expectContractAnswer(reply, method!)
        }
      ),
      { numRuns: 800 }
    )
  }, 60_000)

  it("JSON nested deeper than a task could be is 422, not a stack overflow", async () => {
    const reply = await send("POST", "/api/tasks", { "content-type": "application/json" }, "[".repeat(10_000) + "]".repeat(10_000))
    expect(reply.status).toBe(422)
    expect(JSON.parse(reply.body).errors).toEqual([{ path: "", message: "is nested more than 32 levels deep" }])
  })

  it("a body over 64 KiB, sent with or without a length, is 413", async () => {
    const big = `{"title":"${"x".repeat(70_000)}"}`
    expectContractAnswer(await send("POST", "/api/tasks", { "content-type": "application/json" }, big), "POST")
    const chunked = await send("POST", "/api/tasks", { "content-type": "application/json", "transfer-encoding": "chunked" }, big)
    expect(chunked.status).toBe(413)
  })
})
