/**
 * One access-log line per request, at info level: time, request id, method, route (the path
 * template, never the query, which may carry task text), status, duration and user. Written
 * straight from these fields, so it costs one JSON.stringify per request.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Context, Effect } from "effect"
import { writeLine } from "./JsonLogger.js"
import { RequestId } from "./RequestId.js"

/** Filled in while the request is handled: authentication names the user here. */
export class RequestLogEntry extends Context.Tag("@todo/http/RequestLogEntry")<RequestLogEntry, { userId: string | undefined }>() {}

/** The status a request gets when its client goes away before the answer (nginx's convention). */
const CLIENT_CLOSED = 499

export const requestLog = (routeOf: (path: string) => string | undefined) =>
<E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, Exclude<R, RequestLogEntry> | RequestId> =>
  Effect.flatMap(Effect.all([HttpServerRequest.HttpServerRequest, RequestId]), ([request, requestId]) => {
    const started = performance.now()
    const entry: { userId: string | undefined } = { userId: undefined }
    const write = (status: number) => () =>
      writeLine({
        time: new Date().toISOString(),
        level: "info",
        message: "request",
        request_id: requestId,
        method: request.method,
        route: routeOf(request.url.split("?", 1)[0]!) ?? null,
        status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        user_id: entry.userId ?? null
      })
    return app.pipe(
      Effect.tap((response) => Effect.sync(write(response.status))),
      Effect.onInterrupt(() => Effect.sync(write(CLIENT_CLOSED))),
      Effect.provideService(RequestLogEntry, entry)
    )
  }) as HttpApp.Default<E, Exclude<R, RequestLogEntry> | RequestId>
