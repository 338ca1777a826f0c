/** `x-request-id` on every response: the caller's when it is sane, else a fresh one. */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Context, Effect } from "effect"
import { randomUUID } from "node:crypto"

export class RequestId extends Context.Tag("@todo/http/RequestId")<RequestId, string>() {}

const SANE = /^[A-Za-z0-9._-]{1,128}$/

export const requestIdOf = (header: string | undefined): string => header !== undefined && SANE.test(header) ? header : randomUUID()

export const withRequestId = <E, R>(app: HttpApp.Default<E, R | RequestId>): HttpApp.Default<E, Exclude<R, RequestId>> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const id = requestIdOf(request.headers["x-request-id"])
    return app.pipe(
      Effect.map(HttpServerResponse.setHeader("x-request-id", id)),
      Effect.provideService(RequestId, id),
      Effect.annotateLogs("request_id", id)
    )
  }) as HttpApp.Default<E, Exclude<R, RequestId>>
