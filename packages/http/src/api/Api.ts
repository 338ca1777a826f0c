/**
 * The HTTP API as data: every route, its parameters, bodies, successes and problems. The
 * handlers implement it, `/api/openapi.json` documents it, and the 405 table is read from it.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { MAX_TASK_ID, NewTask, PageLimitFromString, StatusFilter, Task, TaskChange, TaskListParams, TaskPatch, Text } from "@todo/core"
import { Schema } from "effect"
import { Authentication } from "./Authentication.js"
import { Declared } from "../problems/Problem.js"

/**
 * Path parameters are taken as text and checked by the handlers, so that an id which is not a
 * positive 32-bit integer is a 404 (it names no task) rather than a decoding error.
 */
const TaskIdParam = Schema.String.annotations({
  jsonSchema: { type: "integer", minimum: 1, maximum: MAX_TASK_ID },
  description: "The task's id"
})

const UserIdParam = Schema.String.annotations({
  description: "The token's subject; any other user is refused with 403"
})

const MAX_IDEMPOTENCY_KEY_LENGTH = 200

/** The list query: core's parameters, plus `status_filter`, an alias some frontends send. */
const ListQuery = Schema.Struct({
  ...TaskListParams.fields,
  status: Schema.optional(StatusFilter.annotations({ default: "all" })),
  status_filter: Schema.optional(StatusFilter).annotations({ description: "Alias of status" })
})

/** As a task's other bodies, it ignores fields it does not have. */
const CompletedBody = Schema.Struct({ completed: Schema.Boolean }, Schema.Record({ key: Schema.String, value: Schema.Unknown }))
  .annotations({
    identifier: "Completed",
    description: "Sets completed; no body toggles it. Fields the task does not have (user_id among them) are ignored"
  })

const CreateHeaders = Schema.Struct({
  "idempotency-key": Schema.optional(
    Text({ min: 1, max: MAX_IDEMPOTENCY_KEY_LENGTH })
  ).annotations({
    description:
      "Make retries safe: a POST repeating a key this user already sent is answered 201 with the task the first one created (its body is not compared), and nothing new is stored"
  })
})

const PreconditionHeaders = Schema.Struct({
  "if-match": Schema.optional(Schema.String).annotations({
    description: "ETags of the versions this change is meant for, or *; anything else is 412"
  })
})

/** The response headers the document describes, by name. */
const HEADERS = {
  Link: {
    description: "The next page, `<…?cursor=…>; rel=\"next\"`, with the same filters, sort and order; absent on the last page",
    schema: { type: "string" }
  },
  ETag: { description: "The task's version, for If-Match", schema: { type: "string" }, example: "\"1777654800000\"" },
  Location: { description: "The new task's path", schema: { type: "string" }, example: "/api/tasks/42" },
  "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer", minimum: 1 } },
  "WWW-Authenticate": {
    description: "`Bearer`, with `error=\"invalid_token\"` and `error_description` (why) when a token was sent and refused",
    schema: { type: "string" },
    example: "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
  }
} as const

type HeaderName = keyof typeof HEADERS

type Operation = Record<string, any>

const withHeaders = (operation: Operation, status: string, names: ReadonlyArray<HeaderName>): void => {
  const response = operation["responses"]?.[status]
  if (response === undefined) return
  response.headers = { ...response.headers, ...Object.fromEntries(names.map((name) => [name, HEADERS[name]])) }
}

interface OperationDocs {
  /** `operationId`: what a generated client names the call. */
  readonly id: string
  readonly summary: string
  readonly description?: string
  /** Response headers by status. */
  readonly headers?: Readonly<Record<number, ReadonlyArray<HeaderName>>>
  /** A request body that succeeds, for the reference page's "try it" and for generators. */
  readonly example?: object
  /** The body may be left out (it is required by default). */
  readonly optionalBody?: boolean
}

const documented = (docs: OperationDocs) =>
  OpenApi.annotations({
    identifier: docs.id,
    summary: docs.summary,
    ...(docs.description === undefined ? {} : { description: docs.description }),
    transform: (operation) => {
      for (const [status, names] of Object.entries(docs.headers ?? {})) withHeaders(operation, status, names)
      const body = operation["requestBody"]
      if (body !== undefined && docs.example !== undefined) body.content["application/json"].example = docs.example
      if (body !== undefined && docs.optionalBody === true) body.required = false
      return operation
    }
  })

/** How the operations of one of the two task groups are named: `listTasks` or `listUserTasks`. */
interface TaskNouns {
  readonly one: string
  readonly many: string
}

const NEW_TASK_EXAMPLE = {
  title: "Buy milk",
  description: "Oat, two litres",
  priority: "high",
  tags: ["home", "shopping"],
  due_date: "2026-05-01T17:00:00+02:00"
}

const CHANGE_EXAMPLE = { title: "Buy oat milk", due_date: null }

/** Both shapes of the task routes; the path schemas are checked where the two groups are made. */
const taskGroup = <const Name extends string, Collection extends Schema.Schema.Any, Item extends Schema.Schema.Any>(
  name: Name,
  base: `/api/${string}`,
  paths: { readonly collection: Collection; readonly item: Item },
  nouns: TaskNouns
) => {
  const collection = paths.collection as Collection & HttpApiEndpoint.HttpApiEndpoint.ValidatePath<Collection>
  const item = paths.item as Item & HttpApiEndpoint.HttpApiEndpoint.ValidatePath<Item>
  const one: `/${string}` = `${base}/:id`
  const change = (id: string, summary: string) =>
    documented({
      id,
      summary,
      description: "Changes the fields sent, at least one; `null` clears a field, `tags` replaces the list. " +
        "`If-Match` makes the change conditional on the version an `ETag` named. PUT and PATCH do the same",
      headers: { 200: ["ETag"] },
      example: CHANGE_EXAMPLE
    })
  return HttpApiGroup.make(name)
    .add(
      HttpApiEndpoint.get("list", base)
        .setPath(collection)
        .setUrlParams(ListQuery)
        .addSuccess(Schema.Array(Task))
        .annotateContext(documented({
          id: `list${nouns.many}`,
          summary: "List tasks",
          description: "A page of tasks, newest first unless `sort` and `order` say otherwise, filtered by status, text, " +
            "priority, tag and due date. When more follow, `Link: <…>; rel=\"next\"` names the next page",
          headers: { 200: ["Link"] }
        }))
    )
    .add(
      HttpApiEndpoint.post("create", base)
        .setPath(collection)
        .setHeaders(CreateHeaders)
        .setPayload(NewTask)
        .addSuccess(Task, { status: 201 })
        .addError(Declared.MalformedJson)
        .addError(Declared.PayloadTooLarge)
        .addError(Declared.UnsupportedMediaType)
        .annotateContext(documented({
          id: `create${nouns.one}`,
          summary: "Create a task",
          description: "Only `title` is required. `Location` names the new task; a repeated `Idempotency-Key` returns the first",
          headers: { 201: ["Location", "ETag"] },
          example: NEW_TASK_EXAMPLE
        }))
    )
    .add(
      HttpApiEndpoint.get("get", one)
        .setPath(item)
        .addSuccess(Task)
        .addError(Declared.TaskNotFound)
        .annotateContext(documented({
          id: `get${nouns.one}`,
          summary: "Get a task",
          description: "`ETag` carries the task's version, for `If-Match`",
          headers: { 200: ["ETag"] }
        }))
    )
    .add(
      HttpApiEndpoint.put("update", one)
        .setPath(item)
        .setHeaders(PreconditionHeaders)
        .setPayload(TaskPatch)
        .addSuccess(Task)
        .addError(Declared.TaskNotFound)
        .addError(Declared.VersionMismatch)
        .addError(Declared.MalformedJson)
        .addError(Declared.PayloadTooLarge)
        .addError(Declared.UnsupportedMediaType)
        .annotateContext(change(`replace${nouns.one}`, "Change a task (PUT)"))
    )
    .add(
      HttpApiEndpoint.patch("patch", one)
        .setPath(item)
        .setHeaders(PreconditionHeaders)
        .setPayload(TaskPatch)
        .addSuccess(Task)
        .addError(Declared.TaskNotFound)
        .addError(Declared.VersionMismatch)
        .addError(Declared.MalformedJson)
        .addError(Declared.PayloadTooLarge)
        .addError(Declared.UnsupportedMediaType)
        .annotateContext(change(`update${nouns.one}`, "Change a task"))
    )
    .add(
      HttpApiEndpoint.del("remove", one)
        .setPath(item)
        .addSuccess(HttpApiSchema.NoContent)
        .addError(Declared.TaskNotFound)
        .annotateContext(documented({ id: `delete${nouns.one}`, summary: "Delete a task" }))
    )
    .add(
      HttpApiEndpoint.patch("complete", `${one}/complete`)
        .setPath(item)
        .setPayload(CompletedBody)
        .addSuccess(Task)
        .addError(Declared.TaskNotFound)
        .addError(Declared.MalformedJson)
        .addError(Declared.PayloadTooLarge)
        .addError(Declared.UnsupportedMediaType)
        .annotateContext(documented({
          id: `complete${nouns.one}`,
          summary: "Complete or reopen a task",
          description: "No body toggles `completed`; `{\"completed\": true|false}` sets it. Completing a recurring task " +
            "creates its next occurrence (`next_occurrence_id`)",
          headers: { 200: ["ETag"] },
          example: { completed: true },
          optionalBody: true
        }))
    )
    .addError(Declared.ValidationFailed)
    .addError(Declared.RepositoryUnavailable)
    .middleware(Authentication)
}

export const UserTasks = taskGroup("userTasks", "/api/:user_id/tasks", {
  collection: Schema.Struct({ user_id: UserIdParam }),
  item: Schema.Struct({ user_id: UserIdParam, id: TaskIdParam })
}, { one: "UserTask", many: "UserTasks" })
  .addError(Declared.UserMismatch)
  .annotate(OpenApi.Title, "Tasks of {user_id}")

export const OwnTasks = taskGroup("tasks", "/api/tasks", {
  collection: Schema.Struct({}),
  item: Schema.Struct({ id: TaskIdParam })
}, { one: "Task", many: "Tasks" })
  .annotate(OpenApi.Title, "Tasks of the token's user")

/** The change feed's query: `since` is a cursor this API issued for the same user. */
export const ChangesQuery = Schema.Struct({
  since: Schema.optional(Schema.String).annotations({
    description: "The cursor of the previous page (or of an event); none: no changes, only the current cursor, to take before a full list"
  }),
  limit: Schema.optional(PageLimitFromString)
})

export const ChangesPage = Schema.Struct({
  changes: Schema.Array(TaskChange).annotations({ description: "The changes after since, oldest first" }),
  cursor: Schema.String.annotations({ description: "Where to continue: pass it as since" }),
  has_more: Schema.Boolean.annotations({ description: "More changes follow: ask again with cursor at once" })
}).annotations({ identifier: "ChangesPage" })

export const EventsQuery = Schema.Struct({
  since: Schema.optional(Schema.String).annotations({
    description: "Resume after this event id (a feed cursor); Last-Event-ID wins when both are sent"
  }),
  access_token: Schema.optional(Schema.String).annotations({
    description: "The bearer token, for EventSource, which cannot send headers (RFC 6750 §2.3); this route only; never logged"
  })
})

const EventsHeaders = Schema.Struct({
  "last-event-id": Schema.optional(Schema.String).annotations({
    description: "The id of the last event received: the stream resumes right after it"
  })
})

const EventStream = HttpApiSchema.Text({ contentType: "text/event-stream" }).annotations({
  description: "Server-Sent Events: per change `id: <cursor>`, `event: task.<type>`, `data: <the change as JSON>`; " +
    "a `: keep-alive` comment at least every 15 s; the stream ends when the token expires"
})

/** Both shapes of the change feed's routes, as `taskGroup` makes the task routes. */
const feedGroup = <const Name extends string, Path extends Schema.Schema.Any>(
  name: Name,
  base: `/api${string}`,
  path: Path,
  /** How its operations are named: `listTaskChanges` or `listUserTaskChanges`. */
  noun: string
) => {
  const params = path as Path & HttpApiEndpoint.HttpApiEndpoint.ValidatePath<Path>
  return HttpApiGroup.make(name)
    .add(
      HttpApiEndpoint.get("changes", `${base}/tasks/changes`)
        .setPath(params)
        .setUrlParams(ChangesQuery)
        .addSuccess(ChangesPage)
        .annotateContext(documented({
          id: `list${noun}Changes`,
          summary: "The changes to the user's tasks after a cursor",
          description: "Every change after `since`, exactly once, in commit order. Without `since`: no changes and the current cursor, " +
            "to take before a full list. A malformed or another user's cursor is 422; one after which changes were dropped is 410"
        }))
        .addError(Declared.FeedCursorExpired)
    )
    .add(
      HttpApiEndpoint.get("events", `${base}/events`)
        .setPath(params)
        .setUrlParams(EventsQuery)
        .setHeaders(EventsHeaders)
        .addSuccess(EventStream)
        .annotateContext(documented({
          id: `stream${noun}Events`,
          summary: "The user's changes live, as Server-Sent Events",
          description: "Each change as it is committed, on whichever instance. Without Last-Event-ID or since the stream starts now. " +
            "At most 10 open streams per user per instance (429 beyond). Takes the token as ?access_token= too"
        }))
        .addError(Declared.FeedCursorExpired)
        .addError(Declared.RateLimited)
    )
    .addError(Declared.ValidationFailed)
    .addError(Declared.RepositoryUnavailable)
    .middleware(Authentication)
}

export const UserFeed = feedGroup("userFeed", "/api/:user_id", Schema.Struct({ user_id: UserIdParam }), "UserTask")
  .addError(Declared.UserMismatch)
  .annotate(OpenApi.Title, "Change feed of {user_id}")

export const OwnFeed = feedGroup("feed", "/api", Schema.Struct({}), "Task")
  .annotate(OpenApi.Title, "Change feed of the token's user")

const Status = <const S extends string>(status: S) => Schema.Struct({ status: Schema.Literal(status) })

export const Operations = HttpApiGroup.make("operations")
  .add(
    HttpApiEndpoint.get("health", "/api/health")
      .addSuccess(Status("ok"))
      .annotateContext(documented({ id: "health", summary: "Liveness", description: "200 while the process serves" }))
  )
  .add(
    HttpApiEndpoint.get("ready", "/api/ready")
      .addSuccess(Status("ready"))
      .addError(Declared.RepositoryUnavailable)
      .annotateContext(documented({ id: "ready", summary: "Readiness", description: "200 once the database answers" }))
  )
  .add(
    HttpApiEndpoint.get("openapi", "/api/openapi.json")
      .addSuccess(Schema.Unknown)
      .annotateContext(documented({ id: "openApiDocument", summary: "This document", description: "OpenAPI 3.1" }))
  )
  .add(
    HttpApiEndpoint.get("docs", "/api/docs")
      .addSuccess(HttpApiSchema.Text({ contentType: "text/html" }))
      .annotateContext(
        documented({ id: "docsPage", summary: "API reference", description: "An interactive API reference that works offline" })
      )
  )
  .annotate(OpenApi.Title, "Operations")
  .annotate(OpenApi.Description, "No token needed")

const DECODE_ERROR = "HttpApiDecodeError"

/**
 * HttpApi declares its own decoding error as a 400 on every operation, but this API answers
 * those with a 422 problem (`ValidationFailed`): take it out of the document.
 */
const withoutFrameworkDecodeError = (spec: Record<string, any>): Record<string, any> => {
  const isDecodeError = (schema: any) => schema?.$ref === `#/components/schemas/${DECODE_ERROR}`
  for (const operations of Object.values<Record<string, any>>(spec["paths"])) {
    for (const operation of Object.values<any>(operations)) {
      const badRequest = operation.responses?.["400"]
      const schema = badRequest?.content?.["application/json"]?.schema
      if (badRequest === undefined) continue
      const rest = isDecodeError(schema) ? [] : (schema?.anyOf ?? []).filter((member: any) => !isDecodeError(member))
      if (rest.length === 0) {
        delete operation.responses["400"]
      } else {
        badRequest.description = "The body is not valid JSON, or is missing"
        badRequest.content = { "application/problem+json": { schema: rest.length === 1 ? rest[0] : { anyOf: rest } } }
      }
    }
  }
  // With it go the schemas only it refers to.
  for (const name of [DECODE_ERROR, "Issue", "PropertyKey"]) delete spec["components"]?.["schemas"]?.[name]
  return spec
}

/**
 * Effect writes "any JSON" (other fields of a body, the MCP messages) as a schema with an `$id`
 * of its own, which a document may hold only once and generators read as a type named `unknown`:
 * JSON Schema's `{}` (and `true` for other fields) says it plainly.
 */
const ANY_JSON_IDS: ReadonlySet<unknown> = new Set(["/schemas/unknown", "/schemas/any"])

const plainAnyJson = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(plainAnyJson)
  if (typeof node !== "object" || node === null) return node
  if (ANY_JSON_IDS.has((node as Record<string, unknown>)["$id"])) return {}
  const result: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    const plain = plainAnyJson(value)
    const anything = typeof plain === "object" && plain !== null && Object.keys(plain).length === 0
    result[key] = key === "additionalProperties" && anything ? true : plain
  }
  return result
}

const otherFieldsAllowed = (spec: Record<string, any>): Record<string, any> => plainAnyJson(spec) as Record<string, any>

/** Headers every operation's problems of a kind carry. */
const PROBLEM_HEADERS: Readonly<Record<string, ReadonlyArray<HeaderName>>> = {
  401: ["WWW-Authenticate"],
  429: ["Retry-After"],
  503: ["Retry-After"]
}

/** Every error is encoded as one Problem, which Effect describes as the first error declared. */
const withProblemHeaders = (spec: Record<string, any>): Record<string, any> => {
  const problem = spec["components"]?.["schemas"]?.["Problem"]
  if (problem !== undefined) problem.description = "RFC 9457 problem details; on a 422, errors lists each field's problem"
  for (const operations of Object.values<Record<string, Operation>>(spec["paths"])) {
    for (const operation of Object.values(operations)) {
      for (const [status, names] of Object.entries(PROBLEM_HEADERS)) withHeaders(operation, status, names)
    }
  }
  return spec
}

/** RFC 9728: where an MCP client learns which authorization server issues tokens for `/mcp`. */
export const ProtectedResourceMetadata = Schema.Struct({
  resource: Schema.String.annotations({ description: "This API's MCP endpoint, as the request reached it" }),
  authorization_servers: Schema.optional(Schema.Array(Schema.String)).annotations({
    description: "BETTER_AUTH_URL; left out when it is not set"
  }),
  bearer_methods_supported: Schema.Array(Schema.Literal("header"))
}).annotations({ identifier: "ProtectedResourceMetadata" })

const protectedResource = <const Name extends string>(name: Name, path: `/${string}`, id: string) =>
  HttpApiEndpoint.get(name, path)
    .addSuccess(ProtectedResourceMetadata)
    .annotateContext(documented({
      id,
      summary: "MCP protected resource metadata",
      description: "OAuth protected resource metadata (RFC 9728) of `/mcp`; no token needed"
    }))

export const Mcp = HttpApiGroup.make("mcp")
  .add(
    HttpApiEndpoint.post("mcp", "/mcp")
      .setPayload(Schema.Unknown.annotations({ description: "A JSON-RPC 2.0 message (or batch) of the Model Context Protocol" }))
      .addSuccess(Schema.Unknown.annotations({ description: "The JSON-RPC response(s); 202 with no body for notifications" }))
      .annotateContext(documented({
        id: "mcp",
        summary: "MCP tools",
        description: "The task tools for AI agents (Model Context Protocol, Streamable HTTP, stateless) acting for the token's user: " +
          "add_task, list_tasks, get_task, update_task, complete_task, delete_task. Send Accept: application/json, " +
          "text/event-stream. A 401 names the protected resource metadata in WWW-Authenticate"
      }))
      .addError(Declared.OriginNotAllowed)
      .addError(Declared.MalformedJson)
      .addError(Declared.PayloadTooLarge)
      .addError(Declared.UnsupportedMediaType)
      .middleware(Authentication)
  )
  .add(protectedResource("protectedResource", "/.well-known/oauth-protected-resource", "protectedResourceMetadata"))
  .add(protectedResource("mcpProtectedResource", "/.well-known/oauth-protected-resource/mcp", "mcpProtectedResourceMetadata"))
  .annotate(OpenApi.Title, "Tools for AI agents (MCP)")

/** The whole API as documented. */
export class Api extends HttpApi.make("todo-api")
  .add(UserTasks)
  .add(OwnTasks)
  .add(UserFeed)
  .add(OwnFeed)
  .add(Mcp)
  .add(Operations)
  .annotateContext(OpenApi.annotations({
    title: "Todo API",
    version: "1.0.0",
    description: "A multi-user task list. Every request but the operational ones needs `Authorization: Bearer <token>`, " +
      "a JWT whose `sub` is the user. Every error is application/problem+json (RFC 9457); a 422 lists each field's " +
      "problem in `errors`. Dates are RFC 3339 date-times with an offset, returned in UTC.",
    servers: [
      { url: "/", description: "The server this document came from" },
      { url: "http://localhost:8000", description: "pnpm start, on a development machine" }
    ],
    license: { name: "MIT", url: "https://opensource.org/licenses/MIT" },
    transform: (spec) => withProblemHeaders(otherFieldsAllowed(withoutFrameworkDecodeError(spec)))
  }))
{}

/** What HttpApi serves itself: the task routes are answered by `TaskRoutes`, ahead of it. */
export class OperationsApi extends HttpApi.make("todo-api").add(Operations) {}
