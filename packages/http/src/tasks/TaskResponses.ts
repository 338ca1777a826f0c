/** Tasks on the wire: the contract's JSON, with `ETag`, `Location` and `Link` where they belong. */
import { type Task, versionOf } from "@todo/core"
import { DateTime } from "effect"
import * as Reply from "../edge/Reply.js"

/**
 * `Task`'s encoded form, written out: the task comes from our own store, so the full schema
 * pass (a validation of every field) would only cost time on every response.
 */
export const wire = (task: Task) => ({
  id: task.id,
  user_id: task.user_id,
  title: task.title,
  description: task.description,
  completed: task.completed,
  priority: task.priority,
  tags: task.tags,
  due_date: task.due_date === null ? null : DateTime.formatIso(task.due_date),
  created_at: DateTime.formatIso(task.created_at),
  updated_at: DateTime.formatIso(task.updated_at),
  recurrence: task.recurrence,
  timezone: task.timezone,
  remind_at: task.remind_at === null ? null : DateTime.formatIso(task.remind_at),
  next_occurrence_id: task.next_occurrence_id
})

export const etagOf = (task: Task): string => `"${versionOf(task)}"`

export const one = (task: Task, status = 200, headers: Readonly<Record<string, string>> = {}): Reply.Reply =>
  Reply.json(wire(task), { status, headers: Object.assign({ etag: etagOf(task) }, headers) })

/** 201 for a new task, named relative to the collection it was posted to. */
export const created = (task: Task, collectionPath: string): Reply.Reply =>
  one(task, 201, { location: `${collectionPath.replace(/\/+$/, "")}/${task.id}` })

/** The next page repeats the request's own query with the new cursor. */
const nextLink = (requestUrl: string, cursor: string): string => {
  const url = new URL(requestUrl, "http://localhost")
  url.searchParams.set("cursor", cursor)
  return `<${url.pathname}${url.search}>; rel="next"`
}

export const page = (tasks: ReadonlyArray<Task>, nextCursor: string | null, requestUrl: string): Reply.Reply =>
  Reply.json(tasks.map(wire), nextCursor === null ? {} : { headers: { link: nextLink(requestUrl, nextCursor) } })
