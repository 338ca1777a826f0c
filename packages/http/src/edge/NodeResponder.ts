/**
 * How a route answered straight from Node's request event runs: one fiber per request, its
 * reply (or the problem its failure maps to) written to the socket in one go with the request
 * id and CORS headers, one access-log line, and the fiber interrupted if the client goes away.
 */
import { Cause, Effect, Exit, FiberId, type Runtime } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import { problemOf } from "../problems/ProblemOfCause.js"
import { CLIENT_CLOSED, type RequestFacts, writeRequestLine } from "./AccessLog.js"
import type { CorsPolicy } from "./Cors.js"
import * as Reply from "./Reply.js"
import { requestIdOf } from "./RequestId.js"

/** Answers `incoming` if it is for one of its routes, and says whether it was. */
export type NodeRoutes = (incoming: IncomingMessage, response: ServerResponse) => boolean

export interface ResponderOptions {
  readonly cors: CorsPolicy
  readonly accessLog: boolean
}

/** Node joins a repeated header with commas, except the ones it does not know, which stay a list. */
export const headerText = (value: string | Array<string> | undefined): string | undefined => Array.isArray(value) ? value.join(", ") : value

export const factsOf = (incoming: IncomingMessage, method: string, route: string): RequestFacts => ({
  requestId: requestIdOf(headerText(incoming.headers["x-request-id"])),
  method,
  route,
  started: performance.now(),
  userId: undefined
})

const withProblems = <E, R>(answer: Effect.Effect<Reply.Reply, E, R>, facts: RequestFacts) =>
  Effect.catchAllCause(answer, (cause) =>
    // An interrupted request has no one left to answer.
    Cause.isInterruptedOnly(cause)
      ? Effect.failCause(cause as Cause.Cause<never>)
      : problemOf(cause, facts.requestId).pipe(
        Effect.map(Reply.problem),
        Effect.annotateLogs("request_id", facts.requestId)
      ))

export const responder = (runFork: ReturnType<typeof Runtime.runFork<never>>, options: ResponderOptions) =>
<E>(
  incoming: IncomingMessage,
  response: ServerResponse,
  facts: RequestFacts,
  answer: Effect.Effect<Reply.Reply, E>
): void => {
  const fiber = runFork(withProblems(answer, facts))
  fiber.addObserver((exit) => {
    if (Exit.isSuccess(exit)) {
      Reply.write(response, exit.value, facts.requestId, options.cors.responseHeaders(incoming.headers.origin))
    }
    if (options.accessLog) writeRequestLine(facts, Exit.isSuccess(exit) ? exit.value.status : CLIENT_CLOSED)
  })
  response.once("close", () => {
    if (!response.writableEnded) fiber.unsafeInterruptAsFork(FiberId.none)
  })
}
