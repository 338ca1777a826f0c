/** A request target over 8 KiB is refused with 414 before routing: no route needs one that long. */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect } from "effect"
import * as Problem from "../problems/Problem.js"
import { UriTooLong } from "../problems/RequestErrors.js"

export const MAX_URI_BYTES = 8 * 1024

const tooLong = Problem.toResponse(Problem.fromError(new UriTooLong({ limit: MAX_URI_BYTES })))

export const rejectLongUris = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => request.url.length > MAX_URI_BYTES ? Effect.succeed(tooLong) : app)
