/**
 * The HTTP server: the task routes, `/mcp`, the Api's operational handlers, and the middleware their
 * responses go through (request id, access log, CORS, problem details). It needs a
 * `TaskRepository` and a `JwtVerifier`.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import { TaskFeed, Tasks } from "@todo/core"
import { Effect, flow, Layer } from "effect"
import { createServer } from "node:http"
import { Api, OperationsApi } from "../api/Api.js"
import { answerClientErrors } from "./NodeParseErrors.js"
import * as Cors from "../edge/Cors.js"
import type { NodeRoutes } from "../edge/NodeResponder.js"
import { drainOnClose } from "./GracefulShutdown.js"
import * as Listener from "./Listener.js"
import { OperationsLive } from "../api/OperationalHandlers.js"
import { problemResponses } from "../edge/ProblemResponses.js"
import { type RateLimitOptions, UserRateLimit } from "../auth/RateLimit.js"
import { withRequestId } from "../edge/RequestId.js"
import { requestLog } from "../edge/AccessLog.js"
import { routeTable } from "../api/RouteTable.js"
import * as McpRoutes from "../mcp/McpRoutes.js"
import * as TaskRoutes from "../tasks/TaskRoutes.js"
import * as EventStreams from "../events/EventStreams.js"
import * as FeedRoutes from "../events/FeedRoutes.js"
import { rejectLongUris } from "../edge/UriLength.js"

export interface ServerOptions {
  readonly port: number
  readonly host: string
  readonly corsOrigins: ReadonlyArray<string>
  /** One JSON line per request on stdout. */
  readonly accessLog: boolean
  readonly rateLimit: RateLimitOptions
  readonly shutdownTimeoutSeconds: number
  readonly requestTimeoutSeconds: number
  /** BETTER_AUTH_URL, named as the authorization server of `/mcp`. */
  readonly authorizationServer?: string | undefined
}

const HEADERS_TIMEOUT_MS = 10_000
// Longer than the idle timeout of common load balancers (60 s), so they never reuse a
// connection this server is closing.
const KEEP_ALIVE_TIMEOUT_MS = 65_000
// Node checks the request and header deadlines this often (by default every 30 s).
const TIMEOUT_CHECK_INTERVAL_MS = 1_000

const routes = routeTable(Api)

const ApiLive = HttpApiBuilder.api(OperationsApi).pipe(Layer.provide(OperationsLive))

// One middleware, so the order is certain: the request id outermost, problems innermost.
const middleware = (options: ServerOptions, cors: Cors.CorsPolicy) =>
  HttpApiBuilder.middleware(flow(
    problemResponses(routes.allowedMethods),
    rejectLongUris,
    cors.middleware,
    options.accessLog ? requestLog(routes.routeOf) : (app) => app,
    withRequestId
  ))

const nodeServer = (options: ServerOptions) => {
  const requestTimeout = options.requestTimeoutSeconds * 1000
  const server = createServer({
    requestTimeout,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS
  })
  answerClientErrors(server)
  return server
}

export const layer = (options: ServerOptions) =>
  Layer.unwrapEffect(Effect.sync(() => {
    const server = nodeServer(options)
    const cors = Cors.policy(options.corsOrigins)
    const taskRoutes = TaskRoutes.make({ routes, cors, accessLog: options.accessLog })
    const mcpRoutes = McpRoutes.make({
      routes,
      cors,
      accessLog: options.accessLog,
      authorizationServer: options.authorizationServer
    })
    const streams = EventStreams.make()
    const feedRoutes = FeedRoutes.make({ routes, cors, accessLog: options.accessLog, streams })
    // The task routes first: they are the traffic.
    const nodeRoutes = Effect.map(
      Effect.all([taskRoutes, feedRoutes, mcpRoutes]),
      ([tasks, feed, mcp]): NodeRoutes => (incoming, response) =>
        tasks(incoming, response) || feed(incoming, response) || mcp(incoming, response)
    )
    const listener = Listener.layer(server, { port: options.port, host: options.host }, nodeRoutes).pipe(
      Layer.provide(Tasks.layer),
      Layer.provide(TaskFeed.layer),
      Layer.provide(UserRateLimit.layer(options.rateLimit))
    )
    const served = HttpApiBuilder.serve().pipe(
      HttpMiddleware.withTracerDisabledWhen(() => true),
      Layer.provide(middleware(options, cors)),
      Layer.provide(ApiLive),
      Layer.provideMerge(listener),
      // No tracer exports spans here, and building them per request was a measured share of the CPU.
      Layer.provide(Layer.setTracerEnabled(false))
    )
    // Acquired after the server is serving, so released first: the drain runs before anything closes.
    const drain = Layer.scopedDiscard(drainOnClose(server, options.shutdownTimeoutSeconds * 1000, streams.endAll))
    return Layer.provideMerge(drain, served)
  }))
