/** Tasks on the wire: the contract's JSON, with `ETag`, `Location` and `Link` where they belong. */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { type Task, versionOf } from "@todo/core"
import { DateTime } from "effect"

/**
 * `Task`'s encoded form, written out: the task comes from our own store, so the full schema
 * pass (a validation of every field) would only cost time on every response.
 */
const wire = (task: Task) => ({
  id: task.id,
  user_id: task.user_id,
  title: task.title,
  description: task.description,
  completed: task.completed,
  priority: task.priority,
  tags: task.tags,
  due_date: task.due_date === null ? null : DateTime.formatIso(task.due_date),
  created_at: DateTime.formatIso(task.created_at),
  updated_at: DateTime.formatIso(task.updated_at)
})

/**
 * JSON handed to Node as a string: the platform's own JSON body copies it into a fresh byte
 * array first, which showed up in profiles of the list route.
 */
const json = (body: unknown, options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> }) => {
  const text = JSON.stringify(body)
  return HttpServerResponse.raw(text, {
    ...options,
    contentType: "application/json",
    contentLength: Buffer.byteLength(text)
  })
}

export const etagOf = (task: Task): string => `"${versionOf(task)}"`

export const one = (task: Task, status = 200, headers: Readonly<Record<string, string>> = {}) =>
  json(wire(task), { status, headers: { ...headers, etag: etagOf(task) } })

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
  json(
    tasks.map(wire),
    nextCursor === null ? {} : { headers: { link: nextLink(request, nextCursor) } }
  )
