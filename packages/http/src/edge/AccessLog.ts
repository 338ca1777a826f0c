/**
 * One access-log line per request, at info level: time, request id, method, route (the path
 * template, never the query, which may carry task text), status, duration and user. Written
 * straight from these fields, so it costs one JSON.stringify per request.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect } from "effect"
import { RequestId } from "./RequestId.js"

/** The status a request gets when its client goes away before the answer (nginx's convention). */
export const CLIENT_CLOSED = 499

export interface RequestFacts {
  readonly requestId: string
  readonly method: string
  readonly route: string | undefined
  /** `performance.now()` when the request arrived. */
  readonly started: number
  /** Filled in once the request's token is verified. */
  userId: string | undefined
}

/** In the JSON logger's line format (`server/JsonLogger.ts`). */
export const writeRequestLine = (facts: RequestFacts, status: number): void => {
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level: "info",
    message: "request",
    request_id: facts.requestId,
    method: facts.method,
    route: facts.route ?? null,
    status,
    duration_ms: Math.round((performance.now() - facts.started) * 10) / 10,
    user_id: facts.userId ?? null
  })
  process.stdout.write(`${line}\n`)
}

/** The log of the routes HttpApi serves, which need no token. */
export const requestLog =
  (routeOf: (path: string) => string | undefined) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | RequestId> =>
    Effect.flatMap(Effect.all([HttpServerRequest.HttpServerRequest, RequestId]), ([request, requestId]) => {
      const facts: RequestFacts = {
        requestId,
        method: request.method,
        route: routeOf(request.url.split("?", 1)[0]!),
        started: performance.now(),
        userId: undefined
      }
      return app.pipe(
        Effect.tap((response) => Effect.sync(() => writeRequestLine(facts, response.status))),
        Effect.onInterrupt(() => Effect.sync(() => writeRequestLine(facts, CLIENT_CLOSED)))
      )
    })
