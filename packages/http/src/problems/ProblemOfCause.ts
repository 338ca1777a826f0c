/**
 * How a failed request is answered and logged: an error the API reports on purpose becomes its
 * problem (an unavailable store is also logged as a warning); anything else is a defect, logged
 * with its cause and answered 500 with nothing but the request id.
 */
import { Cause, Effect, Option } from "effect"
import * as Problem from "./Problem.js"

export const problemOf = (cause: Cause.Cause<unknown>, requestId: string): Effect.Effect<Problem.Problem> => {
  const failure = Option.getOrUndefined(Cause.failureOption(cause))
  if (!Problem.isKnownError(failure)) {
    return Effect.as(
      Effect.logError("unexpected failure", cause),
      Problem.make(500, `Something went wrong on our side. Quote request id ${requestId} when reporting it.`)
    )
  }
  const problem = Problem.fromError(failure)
  return failure._tag === "RepositoryUnavailable"
    ? Effect.as(Effect.logWarning("the task store is unavailable", failure.reason), problem)
    : Effect.succeed(problem)
}
