/**
 * The `HttpServer` the Api is served on: Node's server, listening as the platform's own does,
 * with every request offered first to the routes answered straight from Node (the task routes,
 * `/mcp`); what they do not answer goes to the HttpApi app.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer } from "effect"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { NodeRoutes } from "../edge/NodeResponder.js"

export const layer = <E, R>(
  server: Server,
  address: { readonly port: number; readonly host: string },
  nodeRoutes: Effect.Effect<NodeRoutes, E, R>
) =>
  Layer.scoped(
    HttpServer.HttpServer,
    Effect.gen(function*() {
      const routes = yield* nodeRoutes
      const listening = yield* NodeHttpServer.make(() => server, address)
      return HttpServer.make({
        address: listening.address,
        serve: (app, middleware) =>
          Effect.gen(function*() {
            const handler = yield* (middleware === undefined
              ? NodeHttpServer.makeHandler(app)
              : NodeHttpServer.makeHandler(app, middleware))
            const listener = (incoming: IncomingMessage, response: ServerResponse) => {
              if (!routes(incoming, response)) handler(incoming, response)
            }
            server.on("request", listener)
            yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", listener)))
          })
      })
    })
  ).pipe(Layer.merge(NodeHttpServer.layerContext))
