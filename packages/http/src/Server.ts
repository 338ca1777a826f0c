/**
 * The HTTP server: the Api's handlers, authentication, and the middleware every response goes
 * through (request id, CORS, problem details). It needs a `TaskRepository` and a `JwtVerifier`.
 */
import { HttpApiBuilder } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Tasks } from "@todo/core"
import { flow, Layer } from "effect"
import { createServer } from "node:http"
import { Api } from "./Api.js"
import * as Authentication from "./Authentication.js"
import { cors } from "./Cors.js"
import { OperationsLive } from "./OperationHandlers.js"
import { problemResponses } from "./ProblemMiddleware.js"
import { withRequestId } from "./RequestId.js"
import { allowedMethods } from "./RouteTable.js"
import { OwnTasksLive, UserTasksLive } from "./TaskHandlers.js"

export interface ServerOptions {
  readonly port: number
  readonly host: string
  readonly corsOrigins: ReadonlyArray<string>
}

const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide([UserTasksLive, OwnTasksLive, OperationsLive]),
  Layer.provide(Authentication.layer),
  Layer.provide(Tasks.layer)
)

// One middleware, so the order is certain: the request id outermost, problems innermost.
const middleware = (options: ServerOptions) =>
  HttpApiBuilder.middleware(flow(problemResponses(allowedMethods(Api)), cors(options.corsOrigins), withRequestId))

export const layer = (options: ServerOptions) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(middleware(options)),
    Layer.provide(ApiLive),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: options.port, host: options.host }))
  )
