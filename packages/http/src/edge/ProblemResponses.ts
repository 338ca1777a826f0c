/**
 * Every failure of the routes HttpApi serves becomes a problem+json response here, the
 * framework's own included: decoding errors (422), unknown routes (404), wrong methods (405
 * with `Allow`), and defects (500, logged, with nothing but the request id in the body).
 */
import * as HttpApiError from "@effect/platform/HttpApiError"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Cause, Effect, Option } from "effect"
import { problemOf } from "../problems/ProblemOfCause.js"
import * as Problem from "../problems/Problem.js"
import { RequestId } from "./RequestId.js"

type Needs = RequestId | HttpServerRequest.HttpServerRequest

const fromDecodeError = (error: HttpApiError.HttpApiDecodeError): Problem.Problem =>
  Problem.make(422, "The request breaks the rules listed in errors.", {
    errors: error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }))
  })

const routeNotFound = (allowedMethods: (path: string) => ReadonlyArray<string>) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const allow = allowedMethods(request.url.split("?", 1)[0]!)
    return allow.length === 0
      ? Problem.make(404, "No route matches this path.")
      : Problem.make(405, `This path answers ${allow.join(", ")} only.`, { headers: { allow: allow.join(", ") } })
  })

const problemFor =
  (allowedMethods: (path: string) => ReadonlyArray<string>) =>
  (cause: Cause.Cause<unknown>): Effect.Effect<Problem.Problem, never, Needs> => {
    const failure = Option.getOrUndefined(Cause.failureOption(cause))
    if (failure instanceof HttpApiError.HttpApiDecodeError) return Effect.succeed(fromDecodeError(failure))
    if (HttpServerError.isServerError(failure) && failure._tag === "RouteNotFound") return routeNotFound(allowedMethods)
    return Effect.flatMap(RequestId, (requestId) => problemOf(cause, requestId))
  }

export const problemResponses = (allowedMethods: (path: string) => ReadonlyArray<string>) => {
  const toProblem = problemFor(allowedMethods)
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<never, R | Needs> =>
    Effect.catchAllCause(app, (cause) =>
      // An interrupted request has no one left to answer.
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.map(toProblem(cause), Problem.toResponse))
}
