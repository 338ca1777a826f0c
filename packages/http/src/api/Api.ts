/**
 * The HTTP API as data: every route, its parameters, bodies, successes and problems. The
 * handlers implement it, `/api/openapi.json` documents it, and the 405 table is read from it.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { MAX_TASK_ID, NewTask, PageLimit, StatusFilter, Task, TaskChange, TaskListParams, TaskPatch, Text } from "@todo/core"
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
  status: Schema.optional(StatusFilter).annotations({ description: "Default all" }),
  status_filter: Schema.optional(StatusFilter).annotations({ description: "Alias of status" })
})

const CompletedBody = Schema.Struct({ completed: Schema.Boolean }).annotations({ identifier: "Completed" })

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

const optionalBody = OpenApi.annotations({
  transform: (operation) => ({ ...operation, requestBody: { ...operation["requestBody"], required: false } })
})

/** Both shapes of the task routes; the path schemas are checked where the two groups are made. */
const taskGroup = <const Name extends string, Collection extends Schema.Schema.Any, Item extends Schema.Schema.Any>(
  name: Name,
  base: `/api/${string}`,
  paths: { readonly collection: Collection; readonly item: Item }
) => {
  const collection = paths.collection as Collection & HttpApiEndpoint.HttpApiEndpoint.ValidatePath<Collection>
  const item = paths.item as Item & HttpApiEndpoint.HttpApiEndpoint.ValidatePath<Item>
  const one: `/${string}` = `${base}/:id`
  return HttpApiGroup.make(name)
    .add(
      HttpApiEndpoint.get("list", base)
        .setPath(collection)
        .setUrlParams(ListQuery)
        .addSuccess(Schema.Array(Task))
        .annotate(OpenApi.Description, "A page of tasks; `Link: <…>; rel=\"next\"` names the next one")
    )
    .add(
      HttpApiEndpoint.post("create", base)
        .setPath(collection)
        .setHeaders(CreateHeaders)
        .setPayload(NewTask)
        .addSuccess(Task, { status: 201 })
        .annotate(OpenApi.Description, "`Location` names the new task; a repeated `Idempotency-Key` returns the first")
        .addError(Declared.MalformedJson)
        .addError(Declared.PayloadTooLarge)
        .addError(Declared.UnsupportedMediaType)
    )
    .add(
      HttpApiEndpoint.get("get", one)
        .setPath(item)
        .addSuccess(Task)
        .annotate(OpenApi.Description, "`ETag` carries the task's version, for `If-Match`")
        .addError(Declared.TaskNotFound)
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
        .annotate(OpenApi.Description, "The same as PUT")
    )
    .add(
      HttpApiEndpoint.del("remove", one)
        .setPath(item)
        .addSuccess(HttpApiSchema.NoContent)
        .addError(Declared.TaskNotFound)
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
        .annotate(OpenApi.Description, "No body toggles `completed`; `{\"completed\": true|false}` sets it")
        .annotateContext(optionalBody)
    )
    .addError(Declared.ValidationFailed)
    .addError(Declared.RepositoryUnavailable)
    .middleware(Authentication)
}

export const UserTasks = taskGroup("userTasks", "/api/:user_id/tasks", {
  collection: Schema.Struct({ user_id: UserIdParam }),
  item: Schema.Struct({ user_id: UserIdParam, id: TaskIdParam })
})
  .addError(Declared.UserMismatch)
  .annotate(OpenApi.Title, "Tasks of {user_id}")

export const OwnTasks = taskGroup("tasks", "/api/tasks", {
  collection: Schema.Struct({}),
  item: Schema.Struct({ id: TaskIdParam })
})
  .annotate(OpenApi.Title, "Tasks of the token's user")

/** The change feed's query: `since` is a cursor this API issued for the same user. */
export const ChangesQuery = Schema.Struct({
  since: Schema.optional(Schema.String).annotations({
    description: "The cursor of the previous page (or of an event); none: no changes, only the current cursor, to take before a full list"
  }),
  limit: Schema.optional(Schema.compose(Schema.NumberFromString, PageLimit)).annotations({ description: "1–500, default 100" })
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
  path: Path
) => {
  const params = path as Path & HttpApiEndpoint.HttpApiEndpoint.ValidatePath<Path>
  return HttpApiGroup.make(name)
    .add(
      HttpApiEndpoint.get("changes", `${base}/tasks/changes`)
        .setPath(params)
        .setUrlParams(ChangesQuery)
        .addSuccess(ChangesPage)
        .annotate(OpenApi.Summary, "The changes to the user's tasks after a cursor")
        .annotate(
          OpenApi.Description,
          "Every change after `since`, exactly once, in commit order. Without `since`: no changes and the current cursor, " +
            "to take before a full list. A malformed or another user's cursor is 422; one after which changes were dropped is 410"
        )
        .addError(Declared.FeedCursorExpired)
    )
    .add(
      HttpApiEndpoint.get("events", `${base}/events`)
        .setPath(params)
        .setUrlParams(EventsQuery)
        .setHeaders(EventsHeaders)
        .addSuccess(EventStream)
        .annotate(OpenApi.Summary, "The user's changes live, as Server-Sent Events")
        .annotate(
          OpenApi.Description,
          "Each change as it is committed, on whichever instance. Without Last-Event-ID or since the stream starts now. " +
            "At most 10 open streams per user per instance (429 beyond). Takes the token as ?access_token= too"
        )
        .addError(Declared.FeedCursorExpired)
        .addError(Declared.RateLimited)
    )
    .addError(Declared.ValidationFailed)
    .addError(Declared.RepositoryUnavailable)
    .middleware(Authentication)
}

export const UserFeed = feedGroup("userFeed", "/api/:user_id", Schema.Struct({ user_id: UserIdParam }))
  .addError(Declared.UserMismatch)
  .annotate(OpenApi.Title, "Change feed of {user_id}")

export const OwnFeed = feedGroup("feed", "/api", Schema.Struct({}))
  .annotate(OpenApi.Title, "Change feed of the token's user")

const Status = <const S extends string>(status: S) => Schema.Struct({ status: Schema.Literal(status) })

export const Operations = HttpApiGroup.make("operations")
  .add(HttpApiEndpoint.get("health", "/api/health").addSuccess(Status("ok")))
  .add(
    HttpApiEndpoint.get("ready", "/api/ready")
      .addSuccess(Status("ready"))
      .addError(Declared.RepositoryUnavailable)
  )
  .add(
    HttpApiEndpoint.get("openapi", "/api/openapi.json")
      .addSuccess(Schema.Unknown)
      .annotate(OpenApi.Description, "This document")
  )
  .add(
    HttpApiEndpoint.get("docs", "/api/docs")
      .addSuccess(HttpApiSchema.Text({ contentType: "text/html" }))
      .annotate(OpenApi.Description, "An interactive API reference that works offline")
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

/** RFC 9728: where an MCP client learns which authorization server issues tokens for `/mcp`. */
export const ProtectedResourceMetadata = Schema.Struct({
  resource: Schema.String.annotations({ description: "This API's MCP endpoint, as the request reached it" }),
  authorization_servers: Schema.optional(Schema.Array(Schema.String)).annotations({
    description: "BETTER_AUTH_URL; left out when it is not set"
  }),
  bearer_methods_supported: Schema.Array(Schema.Literal("header"))
}).annotations({ identifier: "ProtectedResourceMetadata" })

const protectedResource = <const Name extends string>(name: Name, path: `/${string}`) =>
  HttpApiEndpoint.get(name, path)
    .addSuccess(ProtectedResourceMetadata)
    .annotate(OpenApi.Description, "OAuth protected resource metadata (RFC 9728) of `/mcp`; no token needed")

export const Mcp = HttpApiGroup.make("mcp")
  .add(
    HttpApiEndpoint.post("mcp", "/mcp")
      .setPayload(Schema.Unknown.annotations({ description: "A JSON-RPC 2.0 message (or batch) of the Model Context Protocol" }))
      .addSuccess(Schema.Unknown.annotations({ description: "The JSON-RPC response(s); 202 with no body for notifications" }))
      .annotate(
        OpenApi.Description,
        "The task tools for AI agents (Model Context Protocol, Streamable HTTP, stateless) acting for the token's user: " +
          "add_task, list_tasks, get_task, update_task, complete_task, delete_task. Send Accept: application/json, " +
          "text/event-stream. A 401 names the protected resource metadata in WWW-Authenticate"
      )
      .addError(Declared.OriginNotAllowed)
      .addError(Declared.MalformedJson)
      .addError(Declared.PayloadTooLarge)
      .addError(Declared.UnsupportedMediaType)
      .middleware(Authentication)
  )
  .add(protectedResource("protectedResource", "/.well-known/oauth-protected-resource"))
  .add(protectedResource("mcpProtectedResource", "/.well-known/oauth-protected-resource/mcp"))
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
    description: "A multi-user task list. Every error is application/problem+json (RFC 9457).",
    transform: withoutFrameworkDecodeError
  }))
{}

/** What HttpApi serves itself: the task routes are answered by `TaskRoutes`, ahead of it. */
export class OperationsApi extends HttpApi.make("todo-api").add(Operations) {}
