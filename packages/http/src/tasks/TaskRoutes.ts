/**
 * The task routes, answered straight from Node's `request` event: one fiber per request runs
 * its operation, and the reply is written to the socket as it is. `Api` declares these routes
 * (the OpenAPI document, the 405 table, the route templates matched here) and HttpApi serves
 * every other path: its router, decoders and middleware cost more CPU per request than the
 * use-case and the database together (README, Performance), and these routes are the traffic.
 */
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { Effect, Runtime } from "effect"
import type { IncomingMessage } from "node:http"
import { OwnTasks, UserTasks } from "../api/Api.js"
import * as BearerAuthentication from "../auth/BearerAuthentication.js"
import type { CorsPolicy } from "../edge/Cors.js"
import { UserMismatch } from "../problems/RequestErrors.js"
import type { RequestFacts } from "../edge/AccessLog.js"
import type { Reply } from "../edge/Reply.js"
import { factsOf, type NodeRoutes, responder } from "../edge/NodeResponder.js"
import type { Match, RouteTable } from "../api/RouteTable.js"
import * as TaskHandlers from "./TaskHandlers.js"
import { MAX_URI_BYTES } from "../edge/UriLength.js"

export interface TaskRoutesOptions {
  /** `Api`'s routes. */
  readonly routes: RouteTable
  readonly cors: CorsPolicy
  readonly accessLog: boolean
}

/** What a task request may fail with, as declared: by its group (`UserMismatch` by `/api/{user_id}/tasks`) and by its endpoint. */
type TaskFailure = HttpApiGroup.HttpApiGroup.Error<typeof UserTasks> | Effect.Effect.Error<ReturnType<TaskHandlers.Operation>>

const TASK_GROUPS: ReadonlySet<string> = new Set([UserTasks.identifier, OwnTasks.identifier])

const userMismatch = new UserMismatch()

export const make = (options: TaskRoutesOptions) =>
  Effect.gen(function*() {
    const operations: Readonly<Record<string, TaskHandlers.Operation | undefined>> = yield* TaskHandlers.make
    const authenticate = yield* BearerAuthentication.make
    const respond = responder(Runtime.runFork(yield* Effect.runtime<never>()), options)

    /** The operation, for the token's user, who must be the one the path names, if it names one. */
    const answer = (
      incoming: IncomingMessage,
      url: string,
      match: Match,
      operation: TaskHandlers.Operation,
      facts: RequestFacts
    ) =>
      Effect.flatMap(authenticate(incoming.headers.authorization, facts), (owner): Effect.Effect<Reply, TaskFailure> => {
        const pathUser = match.params["user_id"]
        return pathUser === undefined || pathUser === owner
          ? operation({ owner, id: match.params["id"], incoming, url })
          : Effect.fail(userMismatch)
      })

    const routes: NodeRoutes = (incoming, response) => {
      const url = incoming.url ?? "/"
      // An over-long target is left to HttpApi's 414.
      if (url.length > MAX_URI_BYTES) return false
      const method = incoming.method ?? "GET"
      const match = options.routes.match(method, url.split("?", 1)[0]!)
      const operation = match !== undefined && TASK_GROUPS.has(match.endpoint.group)
        ? operations[match.endpoint.name]
        : undefined
      if (match === undefined || operation === undefined) return false
      const facts = factsOf(incoming, method, match.endpoint.path)
      respond(incoming, response, facts, answer(incoming, url, match, operation, facts))
      return true
    }
    return routes
  })
