/** Changes on the wire: the contract's JSON, the task written as the task routes write it. */
import type { TaskChange } from "@todo/core"
import { DateTime } from "effect"
import { wire as taskWire } from "../tasks/TaskResponses.js"

export const wire = (change: TaskChange) => ({
  type: change.type,
  task_id: change.task_id,
  task: change.task === null ? null : taskWire(change.task),
  at: DateTime.formatIso(change.at)
})

/** One Server-Sent Event: the cursor as its id, the type as its name, the change on one line. */
export const eventOf = (cursor: string, change: TaskChange): string =>
  `id: ${cursor}\nevent: task.${change.type}\ndata: ${JSON.stringify(wire(change))}\n\n`

export const KEEP_ALIVE = ": keep-alive\n\n"
