/** This package's built `todo-api` binary as child processes, verifying tokens signed with the test secret. */
import { type ApiInstances, type ApiProcess, type ApiProcessOptions, startApiInstances, startApiProcess } from "@todo/testing"
import { fileURLToPath } from "node:url"
import { SECRET, tokenFor } from "./TestServer.js"

export type { ApiInstances, ApiProcess }

const MAIN = fileURLToPath(new URL("../../dist/bundle/todo-api.js", import.meta.url))

/** `env` adds to a clean environment. */
const options = (env: Record<string, string>, readyWithinMs?: number): ApiProcessOptions => ({
  binary: MAIN,
  cwd: fileURLToPath(new URL(".", import.meta.url)),
  env: { PATH: process.env["PATH"] ?? "", BETTER_AUTH_SECRET: SECRET, ...env },
  ...(readyWithinMs === undefined ? {} : { readyWithinMs })
})

export const startApi = (env: Record<string, string>, readyWithinMs?: number): Promise<ApiProcess> =>
  startApiProcess(options(env, readyWithinMs))

/** `count` instances with one environment, as behind a load balancer. */
export const startApis = (count: number, env: Record<string, string>): Promise<ApiInstances> => startApiInstances(count, options(env))

/** Every task id of `user`, oldest first, read page by page from the API at `url`. */
export const allTaskIds = async (url: string, user: string): Promise<Array<number>> => {
  const token = await tokenFor(user)
  const ids: Array<number> = []
  let next: string | undefined = `/api/${user}/tasks?limit=500&sort=created_at&order=asc`
  while (next !== undefined) {
    const response: Response = await fetch(`${url}${next}`, { headers: { authorization: `Bearer ${token}` } })
    if (response.status !== 200) throw new Error(`listing ${user}'s tasks answered ${response.status}`)
    ids.push(...((await response.json()) as Array<{ id: number }>).map((task) => task.id))
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1]
  }
  return ids
}
