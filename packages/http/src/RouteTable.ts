/** The methods each path of an Api answers, to tell a wrong method (405) from an unknown path (404). */
import { HttpApi } from "@effect/platform"

const patternOf = (path: string): RegExp =>
  new RegExp(`^${path.split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("/")}/?$`)

export const allowedMethods = (api: HttpApi.HttpApi.Any): (path: string) => ReadonlyArray<string> => {
  const routes: Array<{ readonly method: string; readonly pattern: RegExp }> = []
  HttpApi.reflect(api as HttpApi.HttpApi.AnyWithProps, {
    onGroup() {},
    onEndpoint({ endpoint }) {
      routes.push({ method: endpoint.method, pattern: patternOf(endpoint.path) })
    }
  })
  return (path) => {
    const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method))
    // The router answers HEAD wherever it answers GET.
    if (methods.has("GET")) methods.add("HEAD")
    return [...methods]
  }
}
