/** The hand-written wire form of a task must stay exactly what the `Task` schema encodes. */
import { Task, type TaskId, type UserId } from "@todo/core"
import { DateTime, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as TaskResponses from "../src/tasks/TaskResponses.js"

const bodyOf = (reply: ReturnType<typeof TaskResponses.one>): unknown => {
  expect(reply.body?.contentType).toBe("application/json")
  return JSON.parse(reply.body!.text)
}

const task = (overrides: Partial<Task>): Task => ({
  id: 7 as TaskId,
  user_id: "u1" as UserId,
  title: "Write the report",
  description: null,
  completed: false,
  priority: "medium",
  tags: [],
  due_date: null,
  created_at: DateTime.unsafeMake("2026-01-02T03:04:05.006Z"),
  updated_at: DateTime.unsafeMake("2026-01-02T03:04:05.007Z"),
  recurrence: null,
  timezone: null,
  remind_at: null,
  next_occurrence_id: null,
  ...overrides
})

describe("a task on the wire", () => {
  for (
    const [name, value] of [
      ["with no description, tags or due date", task({})],
      [
        "with every field set",
        task({
          description: "Quarterly, with figures",
          completed: true,
          priority: "high",
          tags: ["work", "q1"],
          due_date: DateTime.unsafeMake("2026-03-31T17:00:00Z"),
          recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1",
          timezone: "Europe/Berlin",
          remind_at: DateTime.unsafeMake("2026-03-31T16:45:00Z"),
          next_occurrence_id: 8 as TaskId
        })
      ]
    ] as const
  ) {
    it(`is the Task schema's encoding, ${name}`, () => {
      expect(bodyOf(TaskResponses.one(value))).toStrictEqual(Schema.encodeSync(Task)(value))
    })
  }
})
