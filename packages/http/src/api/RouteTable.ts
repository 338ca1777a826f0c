/**
 * The routes of an Api as path patterns, matched the way the platform's router matches them:
 * static segments before parameters, case-insensitively and percent-decoded, with empty segments
 * ignored and the path ending at `;` (`test/RouteTable.test.ts` holds the two together). It tells
 * a wrong method (405) from an unknown path (404), names the route template a path belongs to
 * (for the logs), and finds the endpoint a request is for (for the task routes' own dispatch).
 */
import * as HttpApi from "@effect/platform/HttpApi"

export interface Endpoint {
  readonly group: string
  readonly name: string
  readonly method: string
  readonly path: string
}

export interface Match {
  readonly endpoint: Endpoint
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>
}

export interface RouteTable {
  /** The endpoint `method` and `path` (without the query) are for; HEAD is answered where GET is. */
  readonly match: (method: string, path: string) => Match | undefined
  readonly allowedMethods: (path: string) => ReadonlyArray<string>
  readonly routeOf: (path: string) => string | undefined
}

interface Route {
  readonly endpoint: Endpoint
  /** Lower-cased static segments; `undefined` where a parameter goes. */
  readonly statics: ReadonlyArray<string | undefined>
  readonly params: ReadonlyArray<string | undefined>
}

const segmentsOf = (path: string): Array<string> => path.split("/").filter((segment) => segment !== "")

/** The router takes `;` (some servers' session ids: `/tasks;jsessionid=…`) and `#` to end the path. */
const requestSegmentsOf = (path: string): Array<string> => {
  const end = path.search(/[;#]/)
  return segmentsOf(end === -1 ? path : path.slice(0, end))
}

const decoded = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** A segment as a static one is compared with it; an escape that does not decode matches nothing. */
const staticText = (segment: string): string | undefined => (segment.includes("%") ? decoded(segment) : segment)?.toLowerCase()

const routeOf = (endpoint: Endpoint): Route => {
  const segments = segmentsOf(endpoint.path)
  return {
    endpoint,
    statics: segments.map((segment) => (segment.startsWith(":") ? undefined : segment.toLowerCase())),
    params: segments.map((segment) => (segment.startsWith(":") ? segment.slice(1) : undefined))
  }
}

/** At the first segment where two routes differ, the static one is tried first. */
const staticFirst = (a: Route, b: Route): number => {
  for (let i = 0; i < Math.min(a.statics.length, b.statics.length); i++) {
    const aStatic = a.statics[i] !== undefined
    if (aStatic !== (b.statics[i] !== undefined)) return aStatic ? -1 : 1
  }
  return 0
}

const fits = (route: Route, segments: ReadonlyArray<string>): boolean => {
  if (route.statics.length !== segments.length) return false
  for (let i = 0; i < segments.length; i++) {
    const expected = route.statics[i]
    if (expected !== undefined && expected !== staticText(segments[i]!)) return false
  }
  return true
}

const paramsOf = (route: Route, segments: ReadonlyArray<string>): Record<string, string> | undefined => {
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const name = route.params[i]
    if (name === undefined) continue
    const value = decoded(segments[i]!)
    if (value === undefined) return undefined
    params[name] = value
  }
  return params
}

export const routeTable = (api: HttpApi.HttpApi.Any): RouteTable => {
  const routes: Array<Route> = []
  HttpApi.reflect(api as HttpApi.HttpApi.AnyWithProps, {
    onGroup() {},
    onEndpoint({ endpoint, group }) {
      routes.push(routeOf({ group: group.identifier, name: endpoint.name, method: endpoint.method, path: endpoint.path }))
    }
  })
  routes.sort(staticFirst)
  const fitting = (path: string) => {
    const segments = requestSegmentsOf(path)
    return routes.filter((route) => fits(route, segments))
  }
  return {
    match: (method, path) => {
      const wanted = method === "HEAD" ? "GET" : method
      const segments = requestSegmentsOf(path)
      for (const route of routes) {
        if (route.endpoint.method !== wanted || !fits(route, segments)) continue
        const params = paramsOf(route, segments)
        return params === undefined ? undefined : { endpoint: route.endpoint, params }
      }
      return undefined
    },
    allowedMethods: (path) => {
      const methods = new Set(fitting(path).map((route) => route.endpoint.method))
      // The router answers HEAD wherever it answers GET.
      if (methods.has("GET")) methods.add("HEAD")
      return [...methods]
    },
    routeOf: (path) => fitting(path)[0]?.endpoint.path
  }
}
