/**
 * The floor the benchmark measures us against: the six task endpoints of API.md as a bare
 * `node:http` handler over `pg` and `jose`, with the same SQL as packages/postgres, the same
 * validation rules written out by hand, and no framework. It owns its database: it creates
 * the same table and indexes as our migrations there on start.
 *
 * Env: DATABASE_URL (required), PORT (8000), HOST (127.0.0.1), BETTER_AUTH_SECRET (>= 32 bytes),
 * DATABASE_POOL_MAX (10, as ours).
 */
import { randomUUID, webcrypto } from "node:crypto"
import { createServer } from "node:http"
import { jwtVerify } from "jose"
import pg from "pg"

const secret = process.env.BETTER_AUTH_SECRET ?? ""
if (Buffer.byteLength(secret) < 32) throw new Error("BETTER_AUTH_SECRET must be at least 32 bytes")
// A CryptoKey, imported once: jose would otherwise import a raw secret on every verification.
const key = await webcrypto.subtle.importKey("raw", Buffer.from(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 5_000,
  application_name: "todo-bench-baseline"
})

const COLUMNS =
  "id, user_id, title, description, completed, priority, tags, due_date, created_at, updated_at, recurrence, timezone, remind_at, next_occurrence_id"
const PRIORITIES = ["low", "medium", "high"]
const RANK = { low: 0, medium: 1, high: 2 }
const MAX_BODY = 64 * 1024
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
const WRITABLE = ["title", "description", "completed", "priority", "tags", "due_date"]

// Same DDL as packages/postgres/src/TaskMigrations.ts, so both servers hold identical shapes.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tasks (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text NOT NULL,
    title text NOT NULL,
    description text,
    completed boolean NOT NULL DEFAULT false,
    priority smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2),
    tags text[] NOT NULL DEFAULT '{}',
    due_date timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    idempotency_key text,
    recurrence text,
    timezone text,
    remind_at timestamptz,
    next_occurrence_id integer
  );
  CREATE UNIQUE INDEX IF NOT EXISTS tasks_user_idempotency_key ON tasks (user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
  CREATE INDEX IF NOT EXISTS tasks_user_created_at ON tasks (user_id, created_at, id);
  CREATE INDEX IF NOT EXISTS tasks_user_updated_at ON tasks (user_id, updated_at, id);
  CREATE INDEX IF NOT EXISTS tasks_user_title ON tasks (user_id, (title COLLATE "C"), id);
  CREATE INDEX IF NOT EXISTS tasks_user_due_date ON tasks (user_id, (coalesce(due_date, 'infinity'::timestamptz)), id);
  CREATE INDEX IF NOT EXISTS tasks_user_priority ON tasks (user_id, priority, id);
  CREATE TABLE IF NOT EXISTS task_feeds (user_id text PRIMARY KEY, head bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS task_changes (
    user_id text NOT NULL,
    position bigint NOT NULL,
    type text NOT NULL CHECK (type IN ('created', 'updated', 'deleted', 'reminder')),
    task_id integer NOT NULL,
    task jsonb,
    at timestamptz NOT NULL DEFAULT statement_timestamp(),
    PRIMARY KEY (user_id, position)
  );
  CREATE INDEX IF NOT EXISTS task_changes_at ON task_changes USING brin (at);
  CREATE OR REPLACE FUNCTION record_task_change(owner text, kind text, changed_id integer, image jsonb) RETURNS bigint
  LANGUAGE plpgsql AS $$
  DECLARE
    next_position bigint;
  BEGIN
    INSERT INTO task_feeds AS feed (user_id, head) VALUES (owner, 1)
      ON CONFLICT (user_id) DO UPDATE SET head = feed.head + 1
      RETURNING head INTO next_position;
    INSERT INTO task_changes (user_id, position, type, task_id, task) VALUES (owner, next_position, kind, changed_id, image);
    PERFORM pg_notify('task_changes', owner);
    RETURN next_position;
  END
  $$;`

/** Every write records its change in the same statement, with the same SQL as ours (PgTaskRepository). */
const recorded = (type, statement) =>
  `WITH t AS (${statement} RETURNING ${COLUMNS})
   SELECT t.*, record_task_change(t.user_id, '${type}', t.id, to_jsonb(t)) AS position FROM t`

class Problem {
  constructor(status, title, detail, errors, headers = {}) {
    Object.assign(this, { status, title, detail, errors, headers })
  }
}
const invalid = (errors) => new Problem(422, "Unprocessable Content", "The request breaks a rule of the API.", errors)
const notFound = (id) => new Problem(404, "Not Found", `No task ${id} exists for this user.`)

const codePoints = (text) => {
  let count = 0
  for (const _ of text) count++
  return count
}

const textIssue = (value, min, max) => {
  const length = codePoints(value)
  if (length < min) return min === 1 ? "must not be empty" : `must be at least ${min} characters`
  if (length > max) return `must be at most ${max} characters`
  return undefined
}

const dateOf = (text) => {
  if (typeof text !== "string" || !RFC3339.test(text)) return undefined
  const date = new Date(text)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** The writable fields of a body, checked as NewTask / TaskPatch check them. */
const writableFields = (body, errors) => {
  const out = {}
  if (body.title !== undefined) {
    if (typeof body.title !== "string") errors.push({ path: "title", message: "must be a string" })
    else {
      const title = body.title.trim()
      const issue = textIssue(title, 1, 200)
      if (issue) errors.push({ path: "title", message: issue })
      out.title = title
    }
  }
  if (body.description !== undefined) {
    const issue = body.description === null
      ? undefined
      : typeof body.description !== "string"
      ? "must be a string or null"
      : textIssue(body.description, 0, 1000)
    if (issue) errors.push({ path: "description", message: issue })
    else out.description = body.description
  }
  if (body.completed !== undefined) {
    if (typeof body.completed !== "boolean") errors.push({ path: "completed", message: "must be a boolean" })
    else out.completed = body.completed
  }
  if (body.priority !== undefined) {
    if (typeof body.priority !== "string" || !Object.hasOwn(RANK, body.priority)) {
      errors.push({ path: "priority", message: "must be low, medium or high" })
    } else out.priority = RANK[body.priority]
  }
  if (body.tags !== undefined) {
    if (!Array.isArray(body.tags)) errors.push({ path: "tags", message: "must be an array of strings" })
    else {
      const seen = new Set()
      const tags = []
      body.tags.forEach((raw, index) => {
        if (typeof raw !== "string") return errors.push({ path: `tags.${index}`, message: "must be a string" })
        const tag = raw.trim()
        const issue = textIssue(tag, 1, 50)
        if (issue) errors.push({ path: `tags.${index}`, message: issue })
        const lower = tag.toLowerCase()
        if (seen.has(lower)) errors.push({ path: `tags.${index}`, message: "duplicates another tag" })
        seen.add(lower)
        tags.push(tag)
      })
      if (tags.length > 20) errors.push({ path: "tags", message: "must hold at most 20 tags" })
      out.tags = tags
    }
  }
  if (body.due_date !== undefined) {
    if (body.due_date === null) out.due_date = null
    else {
      const date = dateOf(body.due_date)
      if (date === undefined) errors.push({ path: "due_date", message: "must be an RFC 3339 date-time with an offset" })
      else out.due_date = date
    }
  }
  return out
}

const objectBody = (body) => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid([{ path: "", message: "must be a JSON object" }])
  }
  return body
}

const newTaskOf = (body) => {
  const errors = []
  objectBody(body)
  if (body.title === undefined) errors.push({ path: "title", message: "is missing" })
  const fields = writableFields(body, errors)
  if (errors.length > 0) throw invalid(errors)
  return fields
}

const patchOf = (body) => {
  const errors = []
  objectBody(body)
  const fields = writableFields(body, errors)
  if (errors.length === 0 && !WRITABLE.some((field) => fields[field] !== undefined)) {
    errors.push({ path: "", message: `must change at least one of: ${WRITABLE.join(", ")}` })
  }
  if (errors.length > 0) throw invalid(errors)
  return fields
}

const taskOf = (row) => ({
  id: row.id,
  user_id: row.user_id,
  title: row.title,
  description: row.description,
  completed: row.completed,
  priority: PRIORITIES[row.priority] ?? "medium",
  tags: row.tags,
  due_date: row.due_date === null ? null : row.due_date.toISOString(),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  recurrence: row.recurrence,
  timezone: row.timezone,
  remind_at: row.remind_at === null ? null : row.remind_at.toISOString(),
  next_occurrence_id: row.next_occurrence_id
})

const versionOf = (row) => `"${row.updated_at.getTime()}"`

const SORT_EXPRESSION = {
  created_at: "created_at",
  updated_at: "updated_at",
  title: `(title COLLATE "C")`,
  due_date: "coalesce(due_date, 'infinity'::timestamptz)",
  priority: "priority"
}
const SORT_ALIASES = { created: "created_at", updated: "updated_at" }

const sortValueOf = (row, sort) => {
  switch (sort) {
    case "created_at":
      return row.created_at.getTime()
    case "updated_at":
      return row.updated_at.getTime()
    case "due_date":
      return row.due_date === null ? null : row.due_date.getTime()
    case "title":
      return row.title
    case "priority":
      return row.priority
  }
}

const positionOf = (cursor, sort, order) => {
  let payload
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
  } catch {
    payload = undefined
  }
  const valid = Array.isArray(payload) && payload.length === 4 && payload[0] === sort && payload[1] === order &&
    Number.isInteger(payload[3]) && payload[3] >= 1
  if (!valid) throw invalid([{ path: "cursor", message: "is not a cursor this API issued" }])
  return { value: payload[2], id: payload[3] }
}

const sortParameter = (sort, value) => {
  switch (sort) {
    case "created_at":
    case "updated_at":
      return [new Date(Number(value)), "::timestamptz"]
    case "due_date":
      return value === null ? [null, "::timestamptz"] : [new Date(Number(value)), "::timestamptz"]
    case "title":
      return [String(value), "::text"]
    case "priority":
      return [Number(value), "::smallint"]
  }
}

const listStatement = (owner, search) => {
  const errors = []
  const pick = (name, allowed, fallback) => {
    const value = search.get(name)
    if (value === null) return fallback
    if (!allowed.includes(value)) errors.push({ path: name, message: `must be one of ${allowed.join(", ")}` })
    return value
  }
  const status = pick("status", ["all", "pending", "completed"], pick("status_filter", ["all", "pending", "completed"], "all"))
  const rawSort = pick("sort", ["created_at", "created", "updated_at", "updated", "title", "due_date", "priority"], "created_at")
  const sort = SORT_ALIASES[rawSort] ?? rawSort
  const order = pick("order", ["asc", "desc"], "desc")
  const priority = pick("priority", PRIORITIES, undefined)
  const limitText = search.get("limit")
  const limit = limitText === null ? 100 : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) errors.push({ path: "limit", message: "must be between 1 and 500" })
  const q = search.get("q")
  if (q !== null && q.length > 200) errors.push({ path: "q", message: "must be at most 200 characters" })
  const dueBounds = ["due_before", "due_after"].map((name) => {
    const text = search.get(name)
    if (text === null) return undefined
    const date = dateOf(text)
    if (date === undefined) errors.push({ path: name, message: "must be an RFC 3339 date-time with an offset" })
    return date
  })
  if (errors.length > 0) throw invalid(errors)

  const values = [owner]
  const param = (value) => `$${values.push(value)}`
  const conditions = ["user_id = $1"]
  if (status !== "all") conditions.push(`completed = ${param(status === "completed")}`)
  if (q !== null && q !== "") {
    const pattern = param(`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    conditions.push(`(title ILIKE ${pattern} ESCAPE '\\' OR description ILIKE ${pattern} ESCAPE '\\')`)
  }
  if (priority !== undefined) conditions.push(`priority = ${param(RANK[priority])}`)
  const tag = search.get("tag")
  if (tag !== null) conditions.push(`EXISTS (SELECT FROM unnest(tags) AS tag WHERE lower(tag) = lower(${param(tag.trim())}))`)
  if (dueBounds[0] !== undefined) conditions.push(`due_date <= ${param(dueBounds[0])}`)
  if (dueBounds[1] !== undefined) conditions.push(`due_date >= ${param(dueBounds[1])}`)
  const expression = SORT_EXPRESSION[sort]
  const cursor = search.get("cursor")
  if (cursor !== null) {
    const after = positionOf(cursor, sort, order)
    const [value, cast] = sortParameter(sort, after.value)
    const position = sort === "title"
      ? `((${param(value)}${cast} COLLATE "C"), ${param(after.id)}::integer)`
      : sort === "due_date" && value === null
      ? `('infinity'::timestamptz, ${param(after.id)}::integer)`
      : `(${param(value)}${cast}, ${param(after.id)}::integer)`
    conditions.push(`(${expression}, id) ${order === "asc" ? ">" : "<"} ${position}`)
  }
  const direction = order === "asc" ? "ASC" : "DESC"
  const text = `SELECT ${COLUMNS} FROM tasks WHERE ${conditions.join(" AND ")}
    ORDER BY ${expression} ${direction}, id ${direction} LIMIT ${param(limit + 1)}`
  return { text, values, sort, order, limit }
}

const authenticate = async (header) => {
  const challenge = (error) => ({ "www-authenticate": error ? `Bearer error="invalid_token"` : "Bearer" })
  if (header === undefined) throw new Problem(401, "Unauthorized", "A bearer token is required.", undefined, challenge(false))
  const match = /^Bearer +(\S+)$/i.exec(header)
  if (!match) throw new Problem(401, "Unauthorized", "A bearer token is required.", undefined, challenge(true))
  try {
    const { payload } = await jwtVerify(match[1], key, { algorithms: ["HS256"], clockTolerance: 5, requiredClaims: ["exp"] })
    const user = payload.sub ?? payload.user_id ?? payload.id
    if (typeof user !== "string" || user === "") throw new Error("no user")
    return user
  } catch {
    throw new Problem(401, "Unauthorized", "The bearer token is not valid.", undefined, challenge(true))
  }
}

const readJson = (request, required) =>
  new Promise((resolve, reject) => {
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > MAX_BODY) return reject(new Problem(413, "Content Too Large", "The body is over 64 KiB."))
    const chunks = []
    let size = 0
    request.on("data", (chunk) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new Problem(413, "Content Too Large", "The body is over 64 KiB."))
        request.destroy()
      } else chunks.push(chunk)
    })
    request.on("error", reject)
    request.on("end", () => {
      if (size === 0) {
        return required ? reject(invalid([{ path: "", message: "a JSON body is required" }])) : resolve(undefined)
      }
      const type = request.headers["content-type"] ?? ""
      if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) {
        return reject(new Problem(415, "Unsupported Media Type", "The body must be application/json."))
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")))
      } catch {
        reject(new Problem(400, "Bad Request", "The body is not valid JSON."))
      }
    })
  })

const ROUTE = /^\/api\/([^/]+)\/tasks(?:\/([^/]+)(\/complete)?)?\/?$/

const taskIdOf = (segment) => {
  const id = /^[1-9]\d{0,9}$/.test(segment) ? Number(segment) : NaN
  if (!(id <= 2_147_483_647)) throw notFound(segment)
  return id
}

const one = async (text, values, id) => {
  const { rows } = await pool.query(text, values)
  if (rows.length === 0) throw notFound(id)
  return rows[0]
}

const nextUpdatedAt = (index) => `updated_at = greatest($${index}::timestamptz, updated_at + interval '1 millisecond')`

const handle = async (request, url, send) => {
  const match = ROUTE.exec(url.pathname)
  if (!match) throw new Problem(404, "Not Found", "No such route.")
  const [, encodedUser, idSegment, complete] = match
  const allowed = idSegment === undefined ? ["GET", "POST"] : complete ? ["PATCH"] : ["GET", "PUT", "PATCH", "DELETE"]
  if (!allowed.includes(request.method)) {
    throw new Problem(405, "Method Not Allowed", "This path does not accept that method.", undefined, { allow: allowed.join(", ") })
  }
  const user = await authenticate(request.headers.authorization)
  if (decodeURIComponent(encodedUser) !== user) throw new Problem(403, "Forbidden", "The path names another user.")

  if (idSegment === undefined && request.method === "GET") {
    const statement = listStatement(user, url.searchParams)
    const { rows } = await pool.query(statement.text, statement.values)
    const page = rows.slice(0, statement.limit)
    const headers = {}
    if (rows.length > statement.limit) {
      const last = page[page.length - 1]
      const next = new URLSearchParams(url.searchParams)
      next.set(
        "cursor",
        Buffer.from(JSON.stringify([statement.sort, statement.order, sortValueOf(last, statement.sort), last.id])).toString("base64url")
      )
      headers.link = `<${url.pathname}?${next}>; rel="next"`
    }
    return send(200, page.map(taskOf), headers)
  }
  if (idSegment === undefined) {
    const task = newTaskOf(await readJson(request, true))
    const now = new Date()
    const row = await one(
      recorded(
        "created",
        `INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
      ),
      [
        user,
        task.title,
        task.description ?? null,
        task.completed ?? false,
        task.priority ?? 1,
        task.tags ?? [],
        task.due_date ?? null,
        now,
        now
      ]
    )
    return send(201, taskOf(row), { location: `/api/${encodedUser}/tasks/${row.id}`, etag: versionOf(row) })
  }
  const id = taskIdOf(idSegment)
  if (complete) {
    const body = await readJson(request, false)
    if (body !== undefined && (typeof body !== "object" || body === null || typeof body.completed !== "boolean")) {
      throw invalid([{ path: "completed", message: "must be a boolean" }])
    }
    const row = body === undefined
      ? await one(
        recorded("updated", `UPDATE tasks SET completed = NOT completed, ${nextUpdatedAt(3)} WHERE id = $1 AND user_id = $2`),
        [id, user, new Date()],
        id
      )
      : await one(
        recorded("updated", `UPDATE tasks SET completed = $3, ${nextUpdatedAt(4)} WHERE id = $1 AND user_id = $2`),
        [id, user, body.completed, new Date()],
        id
      )
    return send(200, taskOf(row), { etag: versionOf(row) })
  }
  if (request.method === "GET") {
    const row = await one(`SELECT ${COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2`, [id, user], id)
    return send(200, taskOf(row), { etag: versionOf(row) })
  }
  if (request.method === "DELETE") {
    await one(
      `WITH t AS (DELETE FROM tasks WHERE id = $1 AND user_id = $2 RETURNING id, user_id)
       SELECT record_task_change(t.user_id, 'deleted', t.id, NULL) FROM t`,
      [id, user],
      id
    )
    return send(204, undefined, {})
  }
  const patch = patchOf(await readJson(request, true))
  const ifMatch = request.headers["if-match"]
  const expected = ifMatch === undefined ? undefined : /^(?:W\/)?"?(\d{1,15})"?$/.exec(ifMatch.trim())
  const precondition = async () => {
    await one(`SELECT id FROM tasks WHERE id = $1 AND user_id = $2`, [id, user], id)
    throw new Problem(412, "Precondition Failed", `Task ${id} has changed since the version you sent.`)
  }
  // A version we never issued cannot match.
  if (expected === null) return precondition()
  const values = [id, user, new Date()]
  const assignments = WRITABLE.filter((field) => patch[field] !== undefined).map((field) =>
    `${field} = $${values.push(patch[field])}${field === "tags" ? "::text[]" : field === "due_date" ? "::timestamptz" : ""}`
  )
  const conditions = ["id = $1", "user_id = $2"]
  if (expected) conditions.push(`updated_at = $${values.push(new Date(Number(expected[1])))}::timestamptz`)
  const { rows } = await pool.query(
    recorded("updated", `UPDATE tasks SET ${[...assignments, nextUpdatedAt(3)].join(", ")} WHERE ${conditions.join(" AND ")}`),
    values
  )
  if (rows.length === 0) return expected ? precondition() : Promise.reject(notFound(id))
  return send(200, taskOf(rows[0]), { etag: versionOf(rows[0]) })
}

const server = createServer((request, response) => {
  const requestId = randomUUID()
  const send = (status, body, headers) => {
    if (body === undefined) {
      response.writeHead(status, { "x-request-id": requestId, ...headers })
      return response.end()
    }
    const json = JSON.stringify(body)
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(json),
      "x-request-id": requestId,
      ...headers
    })
    response.end(json)
  }
  const url = new URL(request.url ?? "/", "http://localhost")
  const answer = url.pathname === "/api/health"
    ? Promise.resolve(send(200, { status: "ok" }, {}))
    : handle(request, url, send)
  answer.catch((error) => {
    const problem = error instanceof Problem
      ? error
      : new Problem(
        error?.code ? 503 : 500,
        "Server Error",
        "The request could not be served.",
        undefined,
        error?.code ? { "retry-after": "1" } : {}
      )
    if (!(error instanceof Problem)) console.error(requestId, error)
    const body = { type: "about:blank", title: problem.title, status: problem.status, detail: problem.detail }
    if (problem.errors) body.errors = problem.errors
    const json = JSON.stringify(body)
    response.writeHead(problem.status, {
      "content-type": "application/problem+json",
      "content-length": Buffer.byteLength(json),
      "x-request-id": requestId,
      ...problem.headers
    })
    response.end(json)
    if (!request.complete) request.resume()
  })
})

const client = await pool.connect()
try {
  await client.query("SELECT pg_advisory_lock(7468021734)")
  await client.query(SCHEMA)
} finally {
  await client.query("SELECT pg_advisory_unlock(7468021734)")
  client.release()
}

server.listen(Number(process.env.PORT ?? 8000), process.env.HOST ?? "127.0.0.1")
const close = () => server.close(() => pool.end().then(() => process.exit(0)))
process.on("SIGTERM", close)
process.on("SIGINT", close)
