/** Recurring tasks to complete in tests, built as a store would hand them back. */
import type { Task, TaskId, UserId } from "@todo/core"
import { DateTime } from "effect"

export const recurringTask = (fields: {
  readonly due: string | number
  readonly recurrence: string
  readonly timezone?: string | null
  readonly remindAt?: string | number | null
}): Task => {
  const created = DateTime.unsafeMake("2020-01-01T00:00:00Z")
  return {
    id: 1 as TaskId,
    user_id: "someone" as UserId,
    title: "Water the plants",
    description: "the big ones too",
    completed: true,
    priority: "high",
    tags: ["home"],
    due_date: DateTime.unsafeMake(fields.due),
    created_at: created,
    updated_at: created,
    recurrence: fields.recurrence,
    timezone: fields.timezone ?? null,
    remind_at: fields.remindAt == null ? null : DateTime.unsafeMake(fields.remindAt),
    next_occurrence_id: null
  }
}
