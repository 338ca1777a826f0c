/**
 * The routes of an Api as path patterns: which methods a path answers, to tell a wrong method
 * (405) from an unknown path (404), and which route template a path belongs to, for the logs.
 */
import * as HttpApi from "@effect/platform/HttpApi"

const patternOf = (path: string): RegExp =>
  new RegExp(`^${path.split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/")}/?$`)

export interface RouteTable {
  readonly allowedMethods: (path: string) => ReadonlyArray<string>
  readonly routeOf: (path: string) => string | undefined
}

export const routeTable = (api: HttpApi.HttpApi.Any): RouteTable => {
  const routes: Array<{ readonly method: string; readonly path: string; readonly pattern: RegExp }> = []
  HttpApi.reflect(api as HttpApi.HttpApi.AnyWithProps, {
    onGroup() {},
    onEndpoint({ endpoint }) {
      routes.push({ method: endpoint.method, path: endpoint.path, pattern: patternOf(endpoint.path) })
    }
  })
  return {
    allowedMethods: (path) => {
      const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))
      // The router answers HEAD wherever it answers GET.
      if (methods.has("GET")) methods.add("HEAD")
      return [...methods]
    },
    routeOf: (path) => routes.find((route) => route.pattern.test(path))?.path
  }
}
