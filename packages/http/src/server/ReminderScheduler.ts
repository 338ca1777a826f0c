/**
 * Emits due reminders from this process: at start (what fell due while no process ran), then
 * every second, so a reminder is at most about a second late while the database answers. Every
 * process runs one; the store makes each reminder exactly once.
 */
import { Reminders } from "@todo/core"
import { Cause, Effect, Layer, Schedule } from "effect"

const TICK = "1 second"

export const layer = Layer.scopedDiscard(Effect.gen(function*() {
  const reminders = yield* Reminders
  yield* reminders.emitDue.pipe(
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.logWarning("due reminders could not be emitted; trying again").pipe(
          Effect.annotateLogs(
            "reason",
            Cause.squash(cause) instanceof Error ? (Cause.squash(cause) as Error).message : String(Cause.squash(cause))
          )
        )
    ),
    Effect.repeat(Schedule.spaced(TICK)),
    Effect.forkScoped
  )
})).pipe(Layer.provide(Reminders.layer))
