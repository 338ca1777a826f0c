/**
 * The route table the task routes dispatch by, held to the platform router that serves the rest
 * (HttpApi's): on every awkward path, both find the same route with the same parameters, or
 * neither finds one.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { Api } from "../src/api/Api.js"
import { routeTable } from "../src/api/RouteTable.js"

interface Found {
  readonly route: string
  readonly params: Readonly<Record<string, string | undefined>>
}

/** The platform's router over every route `Api` declares, answering with the route it matched. */
const platformRouter = (() => {
  let router = HttpRouter.empty
  HttpApi.reflect(Api, {
    onGroup() {},
    onEndpoint({ endpoint }) {
      const route = `${endpoint.method} ${endpoint.path}`
      router = router.pipe(
        HttpRouter.route(endpoint.method)(
          endpoint.path,
          Effect.map(HttpRouter.params, (params) => HttpServerResponse.unsafeJson({ route, params }))
        )
      )
    }
  })
  const handler = HttpApp.toWebHandler(router)
  return async (method: string, path: string): Promise<Found | undefined> => {
    const response = await handler(new Request(`http://localhost${path}`, { method }))
    if (response.status === 404) return undefined
    if (method === "HEAD") return (await handler(new Request(`http://localhost${path}`, { method: "GET" }))).json() as Promise<Found>
    return (await response.json()) as Found
  }
})()

const table = routeTable(Api)

const ours = (method: string, path: string): Found | undefined =>
  Option.match(Option.fromNullable(table.match(method, path)), {
    onNone: () => undefined,
    onSome: ({ endpoint, params }) => ({ route: `${endpoint.method} ${endpoint.path}`, params })
  })

const PATHS = [
  "/api/alice/tasks",
  "/api/alice/tasks/",
  "/api/alice/tasks/7",
  "/api/alice/tasks/7/",
  "/api/alice/tasks/7/complete",
  "/api/alice/tasks/7/complete/",
  "/api/tasks",
  "/api/tasks/",
  "/api/tasks/7",
  "/api/tasks/7/complete",
  "/api/tasks/tasks",
  "/api/tasks/tasks/7",
  "/api//alice/tasks",
  "//api/tasks",
  "/api/tasks//7",
  "/API/alice/TASKS",
  "/Api/Tasks/7/Complete",
  "/api/al%69ce/tasks",
  "/api/a%2Fb/tasks",
  "/api/caf%C3%A9/tasks/7",
  "/api/%E0%A4%A/tasks",
  "/api/ta%73ks",
  "/api/ta%2Fsks",
  "/api/tasks;jsessionid=1",
  "/api/tasks/7;v=1/complete",
  "/api/a%25b/tasks",
  "/api/a+b/tasks/7",
  "/api/tasks/7%2F8",
  "/api/tasks/%20",
  "/api/alice/tasks/7/complete/extra",
  "/api/health",
  "/api/health/",
  "/api/HEALTH",
  "/api/openapi.json",
  "/api/docs",
  "/api",
  "/",
  "/api/alice",
  "/api/alice/todos"
]

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

describe("RouteTable", () => {
  it("matches every method and awkward path as the platform router does", async () => {
    const differences: Array<string> = []
    for (const path of PATHS) {
      for (const method of METHODS) {
        const platform = await platformRouter(method, path)
        const table = ours(method, path)
        if (JSON.stringify(table) !== JSON.stringify(platform)) {
          differences.push(`${method} ${path}: router ${JSON.stringify(platform)}, table ${JSON.stringify(table)}`)
        }
      }
    }
    expect(differences).toEqual([])
  })

  it("prefers a static segment to a parameter, as the router does", () => {
    expect(ours("GET", "/api/tasks/tasks")).toEqual({ route: "GET /api/tasks/:id", params: { id: "tasks" } })
  })

  it("says which methods a path answers, HEAD wherever GET", () => {
    expect(table.allowedMethods("/api/tasks/7")).toEqual(["GET", "PUT", "PATCH", "DELETE", "HEAD"])
    expect(table.allowedMethods("/api/nowhere/at/all")).toEqual([])
  })
})
