/**
 * The interactive API reference (Scalar, its script inlined so it works offline). The module
 * weighs ~90 MB once loaded, so it is imported on the first request for the page, not at start.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type { ScalarConfig } from "@effect/platform/HttpApiScalar"
import { Context, Effect, Layer } from "effect"
import { Api } from "./Api.js"

export const DOCS_PATH = "/api/docs"

const render: Effect.Effect<HttpServerResponse.HttpServerResponse> = Effect.gen(function*() {
  const Scalar = yield* Effect.promise(() => import("@effect/platform/HttpApiScalar"))
  // `authentication` is Scalar's own option, which Effect's ScalarConfig type does not list.
  const scalar = { withDefaultFonts: false, authentication: { preferredSecurityScheme: "bearer" } } as ScalarConfig
  const scalarRoutes = Scalar.layer({ path: DOCS_PATH, scalar }).pipe(
    Layer.provideMerge(HttpApiBuilder.Router.Live),
    Layer.provide(Layer.succeed(HttpApi.Api, { api: Api, context: Context.empty() } as unknown as HttpApi.Api["Type"]))
  )
  return yield* Effect.scoped(Effect.gen(function*() {
    const router = yield* HttpApiBuilder.Router.router.pipe(Effect.provide(yield* Layer.build(scalarRoutes)))
    const [route] = router.routes
    if (route === undefined) return yield* Effect.dieMessage("the Scalar layer registered no route")
    // Scalar's handler is a constant page that needs nothing from the request.
    const page = yield* (route.handler as Effect.Effect<HttpServerResponse.HttpServerResponse>)
    if (page.body._tag !== "Uint8Array") return yield* Effect.dieMessage("the Scalar page is not in memory")
    // The inlined script names a source map no server here has: a browser's developer tools would fetch it and get a 404.
    const html = new TextDecoder().decode(page.body.body).replace(/\/\/# sourceMappingURL=[^\s<]*/g, "")
    return HttpServerResponse.html(html)
  }))
})

/** The page, built once on first use and then served from memory. */
export const docsPage: Effect.Effect<Effect.Effect<HttpServerResponse.HttpServerResponse>> = Effect.cached(render)
