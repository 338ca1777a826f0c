/**
 * Reminders: a task whose `remind_at` has passed while it is not completed gets one `reminder`
 * change, once for each value of `remind_at`. A host calls `emitDue` on a timer; the store makes
 * it exactly once however many processes call it.
 */
import { Context, DateTime, Effect, Layer } from "effect"
import { ChangeSignal } from "./ChangeSignal.js"
import type { RepositoryUnavailable } from "./TaskErrors.js"
import { TaskRepository } from "./TaskRepository.js"

/** How many reminders one transaction emits: a backlog (after an outage) is caught up in short steps. */
export const REMINDER_BATCH = 200

export class Reminders extends Context.Tag("@todo/core/Reminders")<Reminders, {
  /** Emits every reminder due now, and counts them. */
  readonly emitDue: Effect.Effect<number, RepositoryUnavailable>
}>() {
  static readonly layer = Layer.effect(
    Reminders,
    Effect.gen(function*() {
      const repository = yield* TaskRepository
      const signal = yield* ChangeSignal

      const emitBatch = Effect.flatMap(DateTime.now, (now) => repository.emitDueReminders(now, REMINDER_BATCH)).pipe(
        Effect.tap((owners) => Effect.forEach(new Set(owners), signal.raise, { discard: true }))
      )

      const emitDue: Effect.Effect<number, RepositoryUnavailable> = Effect.flatMap(
        emitBatch,
        (owners) => owners.length < REMINDER_BATCH ? Effect.succeed(owners.length) : Effect.map(emitDue, (more) => owners.length + more)
      )

      return { emitDue: Effect.withSpan(emitDue, "Reminders.emitDue") }
    })
  )
}
