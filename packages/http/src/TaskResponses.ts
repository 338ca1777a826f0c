/** Tasks on the wire: the contract's JSON, with `ETag`, `Location` and `Link` where they belong. */
import { HttpServerResponse, type HttpServerRequest } from "@effect/platform"
import { Task, versionOf } from "@todo/core"
import { Schema } from "effect"

const encodeTask = Schema.encodeSync(Task)
const encodeTasks = Schema.encodeSync(Schema.Array(Task))

export const etagOf = (task: Task): string => `"${versionOf(task)}"`

export const one = (task: Task, status = 200, headers: Readonly<Record<string, string>> = {}) =>
  HttpServerResponse.unsafeJson(encodeTask(task), { status, headers: { ...headers, etag: etagOf(task) } })

/** 201 for a new task, named relative to the collection it was posted to. */
export const created = (task: Task, request: HttpServerRequest.HttpServerRequest) => {
  const collection = request.url.split("?", 1)[0]!.replace(/\/+$/, "")
  return one(task, 201, { location: `${collection}/${task.id}` })
}

/** The next page repeats the request's own query with the new cursor. */
const nextLink = (request: HttpServerRequest.HttpServerRequest, cursor: string): string => {
  const url = new URL(request.url, "http://localhost")
  url.searchParams.set("cursor", cursor)
  return `<${url.pathname}${url.search}>; rel="next"`
}

export const page = (
  tasks: ReadonlyArray<Task>,
  nextCursor: string | null,
  request: HttpServerRequest.HttpServerRequest
) =>
  HttpServerResponse.unsafeJson(
    encodeTasks(tasks),
    nextCursor === null ? {} : { headers: { link: nextLink(request, nextCursor) } }
  )
