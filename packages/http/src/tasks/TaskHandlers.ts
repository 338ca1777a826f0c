/**
 * What each task endpoint does, through the core use-cases: the request's parts in, a `Reply`
 * out. The same operations serve `/api/{user_id}/tasks` and `/api/tasks`; the owner is settled
 * before they run.
 */
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import {
  NewTask,
  TaskId,
  TaskNotFound,
  TaskPatch,
  Tasks,
  validate,
  type ValidationFailed,
  versionOf,
  VersionMismatch,
  type TaskListParams,
  type UserId
} from "@todo/core"
import { Effect, Option, Schema } from "effect"
import type { IncomingMessage } from "node:http"
import { CompletedBody, CreateHeaders, ListQuery, type OwnTasks, type UserTasks } from "../api/Api.js"
import { parseIfMatch } from "./IfMatch.js"
import type { KnownError } from "../problems/Problem.js"
import * as Reply from "../edge/Reply.js"
import { optionalBody, requiredBody } from "../edge/RequestBody.js"
import * as TaskResponses from "./TaskResponses.js"

export interface TaskRequest {
  readonly owner: UserId
  /** The `{id}` path parameter, as sent. */
  readonly id: string | undefined
  readonly incoming: IncomingMessage
  /** The request target, query included. */
  readonly url: string
}

export type Operation = (request: TaskRequest) => Effect.Effect<Reply.Reply, KnownError>

/** The endpoint names of `Api`'s task groups: an operation is due for each. */
export type OperationName = HttpApiEndpoint.HttpApiEndpoint.Name<
  HttpApiGroup.HttpApiGroup.Endpoints<typeof UserTasks | typeof OwnTasks>
>

const CANONICAL_ID = /^[1-9][0-9]{0,9}$/
const isTaskId = Schema.is(TaskId)

/** Anything but a positive 32-bit integer in canonical form names no task. */
const taskIdOf = (text: string | undefined): Effect.Effect<TaskId, TaskNotFound> => {
  const id = text !== undefined && CANONICAL_ID.test(text) ? Number(text) : Number.NaN
  return isTaskId(id) ? Effect.succeed(id) : Effect.fail(new TaskNotFound({ id }))
}

const decodeQuery = validate(ListQuery)

const listParams = ({ status, status_filter, ...rest }: typeof ListQuery.Type): TaskListParams => ({
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

const decodeCreateHeaders = validate(CreateHeaders)
const newTaskBody = requiredBody(NewTask)
const patchBody = requiredBody(TaskPatch)
const completedBody = optionalBody(CompletedBody)

const pathOf = (url: string): string => url.split("?", 1)[0]!

export const make = Effect.gen(function*() {
  const tasks = yield* Tasks
  const queryOf = listQueries()

  const list: Operation = ({ owner, url }) =>
    queryOf(url).pipe(
      Effect.flatMap((params) => tasks.list(owner, params)),
      Effect.map((page) => TaskResponses.page(page.tasks, page.next_cursor, url))
    )

  const create: Operation = ({ incoming, owner, url }) =>
    Effect.gen(function*() {
      const headers = yield* decodeCreateHeaders({ "idempotency-key": incoming.headers["idempotency-key"] })
      const input = yield* newTaskBody(incoming)
      const task = yield* tasks.create(owner, input, { idempotencyKey: headers["idempotency-key"] })
      return TaskResponses.created(task, pathOf(url))
    })

  const get: Operation = ({ id, owner }) =>
    taskIdOf(id).pipe(
      Effect.flatMap((taskId) => tasks.get(owner, taskId)),
      Effect.map((task) => TaskResponses.one(task))
    )

  const update: Operation = ({ id, incoming, owner }) =>
    Effect.gen(function*() {
      const taskId = yield* taskIdOf(id)
      const patch = yield* patchBody(incoming)
      const ifMatch = parseIfMatch(incoming.headers["if-match"])
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

  const remove: Operation = ({ id, owner }) =>
    taskIdOf(id).pipe(
      Effect.flatMap((taskId) => tasks.remove(owner, taskId)),
      Effect.as(Reply.noContent)
    )

  const complete: Operation = ({ id, incoming, owner }) =>
    Effect.gen(function*() {
      const taskId = yield* taskIdOf(id)
      const body = yield* completedBody(incoming)
      return yield* Option.match(body, {
        onNone: () => tasks.toggleCompleted(owner, taskId),
        onSome: ({ completed }) => tasks.setCompleted(owner, taskId, completed)
      })
    }).pipe(Effect.map((task) => TaskResponses.one(task)))

  const operations: Record<OperationName, Operation> = { list, create, get, update, patch: update, remove, complete }
  return operations
})
