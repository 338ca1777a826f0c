/**
 * The task routes, twice: under `/api/{user_id}/tasks` (the user must be the token's) and under
 * `/api/tasks` (the token's user). Both run the same operations through the core use-cases.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import {
  NewTask,
  TaskId,
  TaskNotFound,
  TaskPatch,
  Tasks,
  versionOf,
  VersionMismatch,
  type TaskListParams,
  type UserId
} from "@todo/core"
import { Effect, Option, Schema } from "effect"
import { Api, CompletedBody, type ListQuery } from "./Api.js"
import { CurrentUser } from "./CurrentUser.js"
import { parseIfMatch } from "./IfMatch.js"
import { optionalBody, requiredBody } from "./RequestBody.js"
import { UserMismatch } from "./RequestErrors.js"
import * as TaskResponses from "./TaskResponses.js"

type Request = HttpServerRequest.HttpServerRequest

const CANONICAL_ID = /^[1-9][0-9]{0,9}$/
const isTaskId = Schema.is(TaskId)

/** Anything but a positive 32-bit integer in canonical form names no task. */
const taskIdOf = (text: string): Effect.Effect<TaskId, TaskNotFound> => {
  const id = CANONICAL_ID.test(text) ? Number(text) : Number.NaN
  return isTaskId(id) ? Effect.succeed(id) : Effect.fail(new TaskNotFound({ id }))
}

const listParams = ({ status, status_filter, ...rest }: typeof ListQuery.Type): TaskListParams => ({
  ...rest,
  status: status ?? status_filter ?? "all"
})

const newTaskBody = requiredBody(NewTask)
const patchBody = requiredBody(TaskPatch)
const completedBody = optionalBody(CompletedBody)

const operations = Effect.gen(function*() {
  const tasks = yield* Tasks

  const update = (owner: UserId, idText: string, request: Request, ifMatchHeader: string | undefined) =>
    Effect.gen(function*() {
      const id = yield* taskIdOf(idText)
      const patch = yield* patchBody(request)
      const ifMatch = parseIfMatch(ifMatchHeader)
      if (ifMatch === undefined || ifMatch._tag === "Any") return yield* tasks.update(owner, id, patch)
      const [only, ...more] = ifMatch.versions
      if (only !== undefined && more.length === 0) return yield* tasks.update(owner, id, patch, { expectedVersion: only })
      // Several tags: the one naming the current version still guards the write against a race.
      const current = versionOf(yield* tasks.get(owner, id))
      if (!ifMatch.versions.includes(current)) return yield* new VersionMismatch({ id })
      return yield* tasks.update(owner, id, patch, { expectedVersion: current })
    }).pipe(Effect.map((task) => TaskResponses.one(task)))

  return {
    list: (owner: UserId, query: typeof ListQuery.Type, request: Request) =>
      Effect.map(
        tasks.list(owner, listParams(query)),
        (page) => TaskResponses.page(page.tasks, page.next_cursor, request)
      ),
    create: (owner: UserId, idempotencyKey: string | undefined, request: Request) =>
      newTaskBody(request).pipe(
        Effect.flatMap((input) => tasks.create(owner, input, { idempotencyKey })),
        Effect.map((task) => TaskResponses.created(task, request))
      ),
    get: (owner: UserId, idText: string) =>
      taskIdOf(idText).pipe(
        Effect.flatMap((id) => tasks.get(owner, id)),
        Effect.map((task) => TaskResponses.one(task))
      ),
    update,
    remove: (owner: UserId, idText: string) =>
      taskIdOf(idText).pipe(
        Effect.flatMap((id) => tasks.remove(owner, id)),
        Effect.as(HttpServerResponse.empty({ status: 204 }))
      ),
    complete: (owner: UserId, idText: string, request: Request) =>
      Effect.gen(function*() {
        const id = yield* taskIdOf(idText)
        const body = yield* completedBody(request)
        return yield* Option.match(body, {
          onNone: () => tasks.toggleCompleted(owner, id),
          onSome: ({ completed }) => tasks.setCompleted(owner, id, completed)
        })
      }).pipe(Effect.map((task) => TaskResponses.one(task)))
  }
})

const pathOwner = (userId: string) =>
  Effect.flatMap(CurrentUser, (user) => (userId === user ? Effect.succeed(user) : Effect.fail(new UserMismatch())))

export const UserTasksLive = HttpApiBuilder.group(Api, "userTasks", (handlers) =>
  Effect.map(operations, (op) =>
    handlers
      .handleRaw("list", ({ path, request, urlParams }) =>
        Effect.flatMap(pathOwner(path.user_id), (owner) => op.list(owner, urlParams, request)))
      .handleRaw("create", ({ headers, path, request }) =>
        Effect.flatMap(pathOwner(path.user_id), (owner) => op.create(owner, headers["idempotency-key"], request)))
      .handleRaw("get", ({ path }) => Effect.flatMap(pathOwner(path.user_id), (owner) => op.get(owner, path.id)))
      .handleRaw("update", ({ headers, path, request }) =>
        Effect.flatMap(pathOwner(path.user_id), (owner) => op.update(owner, path.id, request, headers["if-match"])))
      .handleRaw("patch", ({ headers, path, request }) =>
        Effect.flatMap(pathOwner(path.user_id), (owner) => op.update(owner, path.id, request, headers["if-match"])))
      .handleRaw("remove", ({ path }) => Effect.flatMap(pathOwner(path.user_id), (owner) => op.remove(owner, path.id)))
      .handleRaw("complete", ({ path, request }) =>
        Effect.flatMap(pathOwner(path.user_id), (owner) => op.complete(owner, path.id, request)))
  ))

export const OwnTasksLive = HttpApiBuilder.group(Api, "tasks", (handlers) =>
  Effect.map(operations, (op) =>
    handlers
      .handleRaw("list", ({ request, urlParams }) => Effect.flatMap(CurrentUser, (owner) => op.list(owner, urlParams, request)))
      .handleRaw("create", ({ headers, request }) =>
        Effect.flatMap(CurrentUser, (owner) => op.create(owner, headers["idempotency-key"], request)))
      .handleRaw("get", ({ path }) => Effect.flatMap(CurrentUser, (owner) => op.get(owner, path.id)))
      .handleRaw("update", ({ headers, path, request }) =>
        Effect.flatMap(CurrentUser, (owner) => op.update(owner, path.id, request, headers["if-match"])))
      .handleRaw("patch", ({ headers, path, request }) =>
        Effect.flatMap(CurrentUser, (owner) => op.update(owner, path.id, request, headers["if-match"])))
      .handleRaw("remove", ({ path }) => Effect.flatMap(CurrentUser, (owner) => op.remove(owner, path.id)))
      .handleRaw("complete", ({ path, request }) => Effect.flatMap(CurrentUser, (owner) => op.complete(owner, path.id, request)))
  ))
