/** The operational routes: liveness, readiness, the OpenAPI document and the reference page. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as OpenApi from "@effect/platform/OpenApi"
import { TaskRepository } from "@todo/core"
import { Effect } from "effect"
import { Api, OperationsApi } from "./Api.js"
import { docsPage } from "./DocsPage.js"

export const OperationsLive = HttpApiBuilder.group(OperationsApi, "operations", (handlers) =>
  Effect.gen(function*() {
    const repository = yield* TaskRepository
    const docs = yield* docsPage
    return handlers
      .handle("health", () => Effect.succeed({ status: "ok" as const }))
      .handle("ready", () => Effect.as(repository.ping, { status: "ready" as const }))
      .handleRaw("openapi", () => Effect.sync(() => HttpServerResponse.unsafeJson(OpenApi.fromApi(Api))))
      .handleRaw("docs", () => docs)
  }))
