/**
 * The task routes, answered straight from Node's `request` event: one fiber per request runs
 * its operation, and the reply is written to the socket as it is. `Api` declares these routes
 * (the OpenAPI document, the 405 table, the route templates matched here) and HttpApi serves
 * every other path: its router, decoders and middleware cost more CPU per request than the
 * use-case and the database together (README, Performance), and these routes are the traffic.
 */
import type { UserId } from "@todo/core"
import { Effect, Runtime } from "effect"
import type { IncomingMessage } from "node:http"
import { OwnTasks, UserTasks } from "../api/Api.js"
import type { AuthenticationFailure } from "../api/Authentication.js"
import { bearerToken } from "../auth/BearerToken.js"
import type { CorsPolicy } from "../edge/Cors.js"
import { JwtVerifier } from "../auth/JwtVerifier.js"
import { UserRateLimit } from "../auth/RateLimit.js"
import { InvalidToken, RateLimited, UserMismatch } from "../problems/RequestErrors.js"
import type { RequestFacts } from "../edge/AccessLog.js"
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

const TASK_GROUPS: ReadonlySet<string> = new Set([UserTasks.identifier, OwnTasks.identifier])

const noToken = new InvalidToken({ reason: "no bearer token was sent", tokenSent: false })
const userMismatch = new UserMismatch()

export const make = (options: TaskRoutesOptions) =>
  Effect.gen(function*() {
    const operations: Readonly<Record<string, TaskHandlers.Operation | undefined>> = yield* TaskHandlers.make
    const verifier = yield* JwtVerifier
    const limiter = yield* UserRateLimit
    const respond = responder(Runtime.runFork(yield* Effect.runtime<never>()), options)

    /**
     * The tasks' owner: the token's user (`Authentication`, as `Api` declares it), who must be
     * the one the path names, if it names one.
     */
    const ownerOf = (
      incoming: IncomingMessage,
      pathUser: string | undefined,
      facts: RequestFacts
    ): Effect.Effect<UserId, AuthenticationFailure | UserMismatch> => {
      const token = bearerToken(incoming.headers.authorization)
      if (token === undefined) return Effect.fail(noToken)
      return Effect.flatMap(verifier.verify(token), (user): Effect.Effect<UserId, AuthenticationFailure | UserMismatch> => {
        facts.userId = user
        const spent = limiter.take(user)
        return pathUser === undefined || pathUser === user ? Effect.as(spent, user) : Effect.zipRight(spent, Effect.fail(userMismatch))
      })
    }

    const answer = (
      incoming: IncomingMessage,
      url: string,
      match: Match,
      operation: TaskHandlers.Operation,
      facts: RequestFacts
    ) =>
      ownerOf(incoming, match.params["user_id"], facts).pipe(
        Effect.flatMap((owner) => operation({ owner, id: match.params["id"], incoming, url }))
      )

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
