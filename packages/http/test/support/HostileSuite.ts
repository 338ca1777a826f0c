/**
 * Generated hostile input over real HTTP, for any `TaskRepository`: bodies, raw bytes, query
 * strings, paths and headers. Whatever is sent, the answer is one of the contract's 2xx or 4xx
 * statuses, in time, every error is problem+json, and whatever is accepted is stored exactly as
 * it was sent (read back).
 */
import type { TaskRepository } from "@todo/core"
import type { Layer } from "effect"
import fc from "fast-check"
import { Agent, request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshUser, startServer, type TestServer, tokenFor } from "./TestServer.js"

/** Never a 5xx: the stores under test are up, so a 503 would be a bad input taken for an outage. */
const CONTRACT_STATUSES = [200, 201, 204, 400, 401, 403, 404, 405, 412, 413, 414, 415, 422, 429, 431]
const ANSWER_WITHIN_MS = 5_000

interface Reply {
  readonly status: number
  readonly contentType: string | undefined
  readonly body: string
}

const expectContractAnswer = (reply: Reply, method: string) => {
  expect(CONTRACT_STATUSES, `status ${reply.status}: ${reply.body.slice(0, 300)}`).toContain(reply.status)
  if (reply.status < 400 || method === "HEAD") return
  expect(reply.contentType).toMatch(/^application\/problem\+json/)
  expect(JSON.parse(reply.body)).toMatchObject({ status: reply.status, title: expect.any(String), detail: expect.any(String) })
}

const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"]
const TASK_FIELDS = ["title", "description", "completed", "priority", "tags", "due_date", "id", "user_id", "created_at", "updated_at"]

const anyKey = fc.oneof(fc.constantFrom(...TASK_FIELDS, ...PROTOTYPE_KEYS), fc.string({ maxLength: 12 }))
const anyText = fc.oneof(
  fc.string({ maxLength: 300, unit: "binary" }),
  fc.string({ maxLength: 30, unit: "grapheme" }),
  fc.constantFrom("", " ", "\u0000", "\ud800", "low", "medium", "high", "2026-01-01T00:00:00Z", "9999-99-99T99:99:99Z")
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

const anyContentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/problem+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    ""
  ),
  fc.string({ maxLength: 60, unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) })
)

const QUERY_KEYS = ["status", "status_filter", "q", "priority", "tag", "due_before", "due_after", "sort", "order", "limit", "cursor"]
const rawQueryPiece = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom(
    "%",
    "%zz",
    "%00",
    "%C0%AF",
    "%ED%A0%80",
    "%FF",
    "+",
    "&&",
    "==",
    "a[b]=c",
    "__proto__[x]=1",
    "constructor[prototype][x]=1"
  )
)
const queryString = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS, ...PROTOTYPE_KEYS), rawQueryPiece), rawQueryPiece),
  { maxLength: 8 }
).map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join("&"))

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

/** Every C0 and C1 control character, U+0000 to U+001F and U+007F to U+009F. */
const CONTROL_CHARACTERS = [...Array.from({ length: 0x20 }, (_, n) => n), ...Array.from({ length: 0x21 }, (_, n) => 0x7f + n)]
  .map((code) => String.fromCharCode(code))

/** Text as a hostile client writes it: control characters, lone and paired surrogates, odd white space, letters. */
const hostileText = fc.array(
  fc.oneof(
    fc.constantFrom(...CONTROL_CHARACTERS),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    fc.constantFrom(" ", "\u00a0", "\u2028", "\u3000", "\ufeff", "\ufffd", "\uffff", "e\u0301", "\u0130", "\u00df"),
    fc.string({ minLength: 1, maxLength: 4, unit: "grapheme-ascii" })
  ),
  { maxLength: 8 }
).map((pieces) => pieces.join(""))

interface TextFields {
  readonly title: string
  readonly description: string | null
  readonly tags: ReadonlyArray<string>
}

/** Distinct, non-empty tags, so that the only rules they can break are about their characters. */
const textFields: fc.Arbitrary<TextFields> = fc.record({
  title: hostileText,
  description: fc.option(hostileText, { nil: null }),
  tags: fc.array(hostileText, { maxLength: 3 }).map((tags) => tags.map((tag, index) => `${tag}#${index}`))
})

/**
 * What every store keeps as it is: no U+0000 (PostgreSQL's `text`), no surrogate without its pair
 * (UTF-8), and no leading byte order mark (PGlite drops it when reading).
 */
const storable = (text: string) =>
  !text.startsWith("\ufeff") && !text.includes("\u0000") && Buffer.from(text, "utf8").toString("utf8") === text

/** Title and tags are trimmed first. */
const refusedPaths = (fields: TextFields): ReadonlyArray<string> => [
  ...(storable(fields.title.trim()) && fields.title.trim() !== "" ? [] : ["title"]),
  ...(fields.description === null || storable(fields.description) ? [] : ["description"]),
  ...fields.tags.flatMap((tag, index) => (storable(tag.trim()) ? [] : [`tags.${index}`]))
]

const storedAs = (fields: TextFields) => ({
  title: fields.title.trim(),
  description: fields.description,
  tags: fields.tags.map((tag) => tag.trim())
})

/** Every byte percent-encoded, as a client that encodes text to UTF-8 sends it (a lone surrogate becomes U+FFFD). */
const percentEncoded = (text: string) => [...Buffer.from(text, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("")

/** Byte sequences that are not UTF-8: stray continuations, overlong forms, encoded surrogates, cut-off sequences, beyond U+10FFFF. */
const INVALID_UTF8 = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xc3],
  [0xc3, 0x28],
  [0xe0, 0x80, 0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff]
]

/** The bytes of a JSON string's content: valid UTF-8 of characters JSON lets stand, invalid sequences, and high bytes in any order. */
const titleBytes = fc.array(
  fc.oneof(
    fc.constantFrom(...INVALID_UTF8).map((bytes) => Buffer.from(bytes)),
    fc.integer({ min: 0x20, max: 0x10ffff })
      .filter((code) => code !== 0x22 && code !== 0x5c && (code < 0xd800 || code > 0xdfff))
      .map((code) => Buffer.from(String.fromCodePoint(code), "utf8")),
    fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => Buffer.from(bytes.map((byte) => byte | 0x80)))
  ),
  { minLength: 1, maxLength: 6 }
).map((pieces) => Buffer.concat(pieces))

const utf8 = new TextDecoder("utf-8", { fatal: true })
const decodedOrUndefined = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

interface DateTimeParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly fraction: string
  readonly offset: string
  readonly separator: string
}

/** Date-times around month ends, leap days (and the century rule), the last second, and the edges of offsets and years. */
const dateTimeParts: fc.Arbitrary<DateTimeParts> = fc.record({
  year: fc.oneof(
    fc.constantFrom(0, 1, 4, 99, 100, 400, 1900, 2000, 2024, 2028, 2030, 2100, 2400, 9999),
    fc.integer({ min: 1970, max: 2100 })
  ),
  month: fc.oneof(fc.constantFrom(0, 1, 2, 4, 6, 9, 11, 12, 13), fc.integer({ min: 1, max: 12 })),
  day: fc.oneof(fc.constantFrom(0, 1, 28, 29, 30, 31, 32), fc.integer({ min: 1, max: 31 })),
  hour: fc.oneof(fc.constantFrom(0, 23, 24), fc.integer({ min: 0, max: 23 })),
  minute: fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 59 })),
  second: fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 59 })),
  fraction: fc.constantFrom("", ".5", ".123", ".999999", ".000001"),
  offset: fc.constantFrom("Z", "z", "+00:00", "-00:00", "+05:30", "-03:00", "+14:00", "-12:00", "+23:59", "-23:59", "+24:00", "-00:60"),
  separator: fc.constantFrom("T", "t", " ")
})

const digits = (n: number, width: number) => String(n).padStart(width, "0")

const dateTimeText = (p: DateTimeParts) =>
  `${digits(p.year, 4)}-${digits(p.month, 2)}-${digits(p.day, 2)}${p.separator}` +
  `${digits(p.hour, 2)}:${digits(p.minute, 2)}:${digits(p.second, 2)}${p.fraction}${p.offset}`

/** The instant as the API writes it, worked out with the platform's own calendar; none for a day or time that does not exist. */
const utcOf = (p: DateTimeParts): string | undefined => {
  if (p.month < 1 || p.month > 12 || p.hour > 23 || p.minute > 59 || p.second > 59) return undefined
  const lastOfMonth = new Date(0)
  lastOfMonth.setUTCFullYear(p.year, p.month, 0)
  if (p.day < 1 || p.day > lastOfMonth.getUTCDate()) return undefined
  const offset = /^([+-])(\d\d):(\d\d)$/.exec(p.offset)
  if (offset !== null && (Number(offset[2]) > 23 || Number(offset[3]) > 59)) return undefined
  const local = new Date(0)
  local.setUTCFullYear(p.year, p.month - 1, p.day)
  local.setUTCHours(p.hour, p.minute, p.second, Number(p.fraction.slice(1, 4).padEnd(3, "0")))
  const offsetMs = offset === null ? 0 : (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000
  const utc = new Date(local.getTime() - offsetMs)
  // PostgreSQL has no year 0, and RFC 3339 no year past 9999.
  return utc.getUTCFullYear() < 1 || utc.getUTCFullYear() > 9999 ? undefined : utc.toISOString()
}

const TIMEOUT = 120_000
const JSON_TYPE = { "content-type": "application/json" }

export const hostileSuite = (name: string, repository: Layer.Layer<TaskRepository, unknown>) =>
  describe(`hostile input over HTTP, on ${name}`, () => {
    let server: TestServer
    let user: string
    let token: string
    let taskId: number
    const agent = new Agent({ keepAlive: true, maxSockets: 8 })

    beforeAll(async () => {
      server = await startServer(repository)
      user = freshUser()
      token = await tokenFor(user)
      const created = await send("POST", `/api/${user}/tasks`, JSON_TYPE, `{"title":"target"}`)
      taskId = JSON.parse(created.body).id
    }, TIMEOUT)
    afterAll(async () => {
      agent.destroy()
      await server?.close()
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
            ...(body === undefined || headers["transfer-encoding"] !== undefined
              ? {}
              : { "content-length": String(Buffer.byteLength(body)) }),
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

    const readBack = async (id: number) => {
      const reply = await send("GET", `/api/${user}/tasks/${id}`, {})
      expect(reply.status).toBe(200)
      return JSON.parse(reply.body)
    }

    const errorPaths = (reply: Reply): ReadonlyArray<string> =>
      (JSON.parse(reply.body).errors as ReadonlyArray<{ path: string }>).map((issue) => issue.path).sort()

    const bodyMethodAndPath = () =>
      fc.constantFrom(
        ["POST", `/api/${user}/tasks`],
        ["POST", "/api/tasks"],
        ["PUT", `/api/${user}/tasks/${taskId}`],
        ["PATCH", `/api/tasks/${taskId}`],
        ["PATCH", `/api/${user}/tasks/${taskId}/complete`]
      )

    describe("never a 5xx or a hang", () => {
      it("generated bodies", async () => {
        await fc.assert(
          fc.asyncProperty(bodyMethodAndPath(), anyBody, anyContentType, async ([method, path], body, contentType) => {
            const reply = await send(method!, path!, contentType === "" ? {} : { "content-type": contentType }, body)
            expectContractAnswer(reply, method!)
          }),
          { numRuns: 1_000 }
        )
      }, TIMEOUT)

      it("generated query strings", async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(`/api/${user}/tasks`, "/api/tasks"), queryString, async (path, query) => {
            expectContractAnswer(await send("GET", `${path}?${query}`, {}), "GET")
          }),
          { numRuns: 600 }
        )
      }, TIMEOUT)

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
      }, TIMEOUT)

      it("generated headers", async () => {
        const valid = await tokenFor(user)
        const authorization = fc.oneof(
          headerValue(200),
          headerValue(200).map((token) => `Bearer ${token}`),
          fc.constantFrom(
            `Bearer ${valid}`,
            `bearer ${valid}`,
            `Bearer ${valid}x`,
            `Basic ${valid}`,
            "Bearer",
            "Bearer ",
            `Bearer ${valid.split(".").slice(0, 2).join(".")}.`,
            "Bearer e30.e30.",
            "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ."
          )
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
      }, TIMEOUT)

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

    describe("what is accepted is stored exactly as sent; what cannot be is refused, naming the field", () => {
      it("every control character inside each text field: U+0000 is 422, every other one is stored as sent", async () => {
        for (const control of CONTROL_CHARACTERS) {
          const text = `a${control}b`
          const reply = await send(
            "POST",
            `/api/${user}/tasks`,
            JSON_TYPE,
            JSON.stringify({ title: text, description: text, tags: [text] })
          )
          const label = `U+${control.charCodeAt(0).toString(16).padStart(4, "0")}`
          if (control === "\u0000") {
            expect(reply.status, label).toBe(422)
            expect(errorPaths(reply)).toEqual(["description", "tags.0", "title"])
            continue
          }
          expect(reply.status, `${label}: ${reply.body}`).toBe(201)
          expect(await readBack(JSON.parse(reply.body).id), label).toMatchObject({ title: text, description: text, tags: [text] })
        }
      }, TIMEOUT)

      it(
        "generated text fields (control characters, lone and paired surrogates): 422 naming each field that cannot be stored, else read back as sent",
        async () => {
          await fc.assert(
            fc.asyncProperty(textFields, fc.boolean(), async (fields, create) => {
              const reply = create
                ? await send("POST", `/api/${user}/tasks`, JSON_TYPE, JSON.stringify(fields))
                : await send("PUT", `/api/${user}/tasks/${taskId}`, JSON_TYPE, JSON.stringify(fields))
              const refused = refusedPaths(fields)
              if (refused.length > 0) {
                expect(reply.status, reply.body).toBe(422)
                expect(errorPaths(reply)).toEqual([...refused].sort())
                return
              }
              expect(reply.status, reply.body).toBe(create ? 201 : 200)
              const task = JSON.parse(reply.body)
              expect(task).toMatchObject(storedAs(fields))
              expect(await readBack(task.id)).toEqual(task)
            }),
            { numRuns: 400 }
          )
        },
        TIMEOUT
      )

      it("generated search text: q and tag that text fields could not hold are 422 naming them, anything else is 200", async () => {
        await fc.assert(
          fc.asyncProperty(hostileText, hostileText, async (q, tag) => {
            const reply = await send("GET", `/api/${user}/tasks?q=${percentEncoded(q)}&tag=${percentEncoded(tag)}`, {})
            // What the server decodes: UTF-8 has no lone surrogates to carry.
            const received = (text: string) => Buffer.from(text, "utf8").toString("utf8")
            const refused = [
              ...(storable(received(q)) ? [] : ["q"]),
              ...(storable(received(tag).trim()) ? [] : ["tag"])
            ]
            if (refused.length > 0) {
              expect(reply.status, reply.body).toBe(422)
              expect(errorPaths(reply)).toEqual(refused)
            } else {
              expect(reply.status, reply.body).toBe(200)
            }
          }),
          { numRuns: 300 }
        )
      }, TIMEOUT)

      it("raw bodies with bytes that are not UTF-8 are 400 and store nothing; valid UTF-8 is stored as sent", async () => {
        const owner = freshUser()
        const authorization = `Bearer ${await tokenFor(owner)}`
        let created = 0
        await fc.assert(
          fc.asyncProperty(titleBytes, async (bytes) => {
            const body = Buffer.concat([Buffer.from(`{"title":"x`), bytes, Buffer.from(`"}`)])
            const reply = await send("POST", `/api/${owner}/tasks`, { ...JSON_TYPE, authorization }, body)
            const text = decodedOrUndefined(bytes)
            if (text === undefined) {
              expect(reply.status, reply.body).toBe(400)
              expect(reply.contentType).toMatch(/^application\/problem\+json/)
              expect(JSON.parse(reply.body).detail).toBe("The request body is not valid UTF-8.")
              const list = await send("GET", `/api/${owner}/tasks?limit=500`, { authorization })
              expect(JSON.parse(list.body)).toHaveLength(created)
              return
            }
            expect(reply.status, reply.body).toBe(201)
            created++
            const task = JSON.parse(reply.body)
            expect(task.title).toBe(`x${text}`.trim())
            expect(await send("GET", `/api/${owner}/tasks/${task.id}`, { authorization })).toMatchObject({ body: reply.body })
          }),
          { numRuns: 300 }
        )
        const target = await readBack(taskId)
        const update = await send(
          "PUT",
          `/api/${user}/tasks/${taskId}`,
          JSON_TYPE,
          Buffer.from([...Buffer.from(`{"title":"`), 0xc3, 0x28, ...Buffer.from(`"}`)])
        )
        expect(update.status).toBe(400)
        expect(await readBack(taskId)).toEqual(target)
      }, TIMEOUT)

      it(
        "generated date-times around month ends, leap days and second 60: 422 naming the field for a day or time that does not exist, else the instant it names",
        async () => {
          await fc.assert(
            fc.asyncProperty(dateTimeParts, async (parts) => {
              const text = dateTimeText(parts)
              const utc = utcOf(parts)
              const reply = await send("POST", `/api/${user}/tasks`, JSON_TYPE, JSON.stringify({ title: "due", due_date: text }))
              const query = `due_before=${encodeURIComponent(text)}&due_after=${encodeURIComponent(text)}`
              const list = await send("GET", `/api/${user}/tasks?${query}`, {})
              if (utc === undefined) {
                expect(reply.status, `${text}: ${reply.body}`).toBe(422)
                expect(errorPaths(reply)).toEqual(["due_date"])
                expect(list.status, text).toBe(422)
                expect(errorPaths(list)).toEqual(["due_after", "due_before"])
                return
              }
              expect(reply.status, `${text}: ${reply.body}`).toBe(201)
              const task = JSON.parse(reply.body)
              expect(task.due_date, text).toBe(utc)
              expect(await readBack(task.id)).toEqual(task)
              expect(list.status, text).toBe(200)
              expect(JSON.parse(list.body).map((found: { id: number }) => found.id)).toContain(task.id)
            }),
            { numRuns: 400 }
          )
        },
        TIMEOUT
      )
    })
  })
