/**
 * What each task endpoint does, through the core use-cases: the request's parts in, a `Reply`
 * out. The same operations serve `/api/{user_id}/tasks` and `/api/tasks`; the owner is settled
 * before they run.
 */
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import {
  TaskId,
  TaskNotFound,
  type TaskListParams,
  Tasks,
  type UserId,
  validate,
  type ValidationFailed,
  VersionMismatch,
  versionOf
} from "@todo/core"
import { Effect, Option, Schema } from "effect"
import type { IncomingMessage } from "node:http"
import { OwnTasks } from "../api/Api.js"
import * as Reply from "../edge/Reply.js"
import { optionalBody, requiredBody } from "../edge/RequestBody.js"
import { parseIfMatch } from "./IfMatch.js"
import * as TaskResponses from "./TaskResponses.js"

export interface TaskRequest {
  readonly owner: UserId
  /** The `{id}` path parameter, as sent. */
  readonly id: string | undefined
  readonly incoming: IncomingMessage
  /** The request target, query included. */
  readonly url: string
}

/** `Api`'s task endpoints (both groups declare the same ones): an operation is due for each. */
type TaskEndpoint = HttpApiGroup.HttpApiGroup.Endpoints<typeof OwnTasks>

export type OperationName = HttpApiEndpoint.HttpApiEndpoint.Name<TaskEndpoint>

type EndpointNamed<Name extends OperationName> = HttpApiEndpoint.HttpApiEndpoint.WithName<TaskEndpoint, Name>

/** What an operation may fail with: the errors its endpoint declares, and those its group declares for all. */
type DeclaredError<Name extends OperationName> =
  | HttpApiEndpoint.HttpApiEndpoint.Error<EndpointNamed<Name>>
  | HttpApiGroup.HttpApiGroup.Error<typeof OwnTasks>

export type Operation<E = DeclaredError<OperationName>> = (request: TaskRequest) => Effect.Effect<Reply.Reply, E>

const endpoint = <Name extends OperationName>(name: Name) => OwnTasks.endpoints[name] as EndpointNamed<Name>

/**
 * A schema the endpoint declares, which the operation decodes with: one the declaration drops
 * is `never` here and fails to compile.
 */
const declared = <A, I>(schema: Option.Option<Schema.Schema<A, I>> & ([A] extends [never] ? "not declared" : unknown)) =>
  Option.getOrThrow(schema)

const CANONICAL_ID = /^[1-9][0-9]{0,9}$/
const isTaskId = Schema.is(TaskId)

/** Anything but a positive 32-bit integer in canonical form names no task. */
const taskIdOf = (text: string | undefined): Effect.Effect<TaskId, TaskNotFound> => {
  const id = text !== undefined && CANONICAL_ID.test(text) ? Number(text) : Number.NaN
  return isTaskId(id) ? Effect.succeed(id) : Effect.fail(new TaskNotFound({ id }))
}

const decodeQuery = validate(declared(endpoint("list").urlParamsSchema))

const listParams = (
  { status, status_filter, ...rest }: HttpApiEndpoint.HttpApiEndpoint.UrlParams<EndpointNamed<"list">>
): TaskListParams => ({
  ...rest,
  status: status ?? status_filter ?? "all"
})

/**
 * Clients send the same few list queries over and over, and decoding one costs more than the
 * rest of the route's own work: decoded queries are kept by their text, the oldest going first.
 */
const DECODED_QUERIES_KEPT = 1_000

const listQueries = () => {
  const decoded = new Map<string, TaskListParams>()
  return (url: string): Effect.Effect<TaskListParams, ValidationFailed> => {
    const start = url.indexOf("?")
    const search = start === -1 ? "" : url.slice(start + 1)
    const known = decoded.get(search)
    if (known !== undefined) return Effect.succeed(known)
    // As the platform's router hands a query over: a repeated parameter becomes an array.
    const params = search === "" ? {} : HttpServerRequest.searchParamsFromURL(new URL(`http://localhost/?${search}`))
    return Effect.map(decodeQuery(params), (query) => {
      const list = listParams(query)
      if (decoded.size >= DECODED_QUERIES_KEPT) decoded.delete(decoded.keys().next().value!)
      decoded.set(search, list)
      return list
    })
  }
}

const decodeCreateHeaders = validate(declared(endpoint("create").headersSchema))
const newTaskBody = requiredBody(declared(endpoint("create").payloadSchema))
const decodePreconditions = validate(declared(endpoint("update").headersSchema))
const patchBody = requiredBody(declared(endpoint("update").payloadSchema))
const completedBody = optionalBody(declared(endpoint("complete").payloadSchema))

const pathOf = (url: string): string => url.split("?", 1)[0]!

export const make = Effect.gen(function*() {
  const tasks = yield* Tasks
  const queryOf = listQueries()

  const list: Operation<DeclaredError<"list">> = ({ owner, url }) =>
    queryOf(url).pipe(
      Effect.flatMap((params) => tasks.list(owner, params)),
      Effect.map((page) => TaskResponses.page(page.tasks, page.next_cursor, url))
    )

  const create: Operation<DeclaredError<"create">> = ({ incoming, owner, url }) =>
    Effect.gen(function*() {
      const headers = yield* decodeCreateHeaders({ "idempotency-key": incoming.headers["idempotency-key"] })
      const input = yield* newTaskBody(incoming)
      const task = yield* tasks.create(owner, input, { idempotencyKey: headers["idempotency-key"] })
      return TaskResponses.created(task, pathOf(url))
    })

  const get: Operation<DeclaredError<"get">> = ({ id, owner }) =>
    taskIdOf(id).pipe(
      Effect.flatMap((taskId) => tasks.get(owner, taskId)),
      Effect.map((task) => TaskResponses.one(task))
    )

  const update: Operation<DeclaredError<"update">> = ({ id, incoming, owner }) =>
    Effect.gen(function*() {
      const taskId = yield* taskIdOf(id)
      const patch = yield* patchBody(incoming)
      const preconditions = yield* decodePreconditions({ "if-match": incoming.headers["if-match"] })
      const ifMatch = parseIfMatch(preconditions["if-match"])
      if (ifMatch === undefined || ifMatch._tag === "Any") return yield* tasks.update(owner, taskId, patch)
      const [only, ...more] = ifMatch.versions
      if (only !== undefined && more.length === 0) {
        return yield* tasks.update(owner, taskId, patch, { expectedVersion: only })
      }
      // Several tags: the one naming the current version still guards the write against a race.
      const current = versionOf(yield* tasks.get(owner, taskId))
      if (!ifMatch.versions.includes(current)) return yield* new VersionMismatch({ id: taskId })
      return yield* tasks.update(owner, taskId, patch, { expectedVersion: current })
    }).pipe(Effect.map((task) => TaskResponses.one(task)))

  const remove: Operation<DeclaredError<"remove">> = ({ id, owner }) =>
    taskIdOf(id).pipe(
      Effect.flatMap((taskId) => tasks.remove(owner, taskId)),
      Effect.as(Reply.noContent)
    )

  const complete: Operation<DeclaredError<"complete">> = ({ id, incoming, owner }) =>
    Effect.gen(function*() {
      const taskId = yield* taskIdOf(id)
      const body = yield* completedBody(incoming)
      return yield* Option.match(body, {
        onNone: () => tasks.toggleCompleted(owner, taskId),
        onSome: ({ completed }) => tasks.setCompleted(owner, taskId, completed)
      })
    }).pipe(Effect.map((task) => TaskResponses.one(task)))

  const operations: { readonly [Name in OperationName]: Operation<DeclaredError<Name>> } = {
    list,
    create,
    get,
    update,
    patch: update,
    remove,
    complete
  }
  return operations
})
