/**
 * Drops the changes older than `CHANGES_RETENTION_H`: at start, then every tenth of the
 * retention (between 1 s and 1 h). Every instance runs it; dropping is idempotent, so two at
 * once only repeat each other's work.
 */
import { ChangeSignal, TaskFeed, type TaskRepository } from "@todo/core"
import { Duration, Effect, Layer, Schedule } from "effect"

const intervalFor = (retention: Duration.Duration): Duration.Duration =>
  Duration.clamp(Duration.times(retention, 0.1), { minimum: Duration.seconds(1), maximum: Duration.hours(1) })

export const layer = (retentionHours: number): Layer.Layer<never, never, TaskRepository> =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const feed = yield* TaskFeed
    const retention = Duration.millis(retentionHours * 3_600_000)
    const dropOnce = feed.dropOlderThan(retention).pipe(
      Effect.tap((dropped) => dropped > 0 ? Effect.logDebug(`change feed: dropped ${dropped} changes past retention`) : Effect.void),
      Effect.catchAll((error) => Effect.logWarning(`change feed: old changes could not be dropped: ${error.reason}`))
    )
    yield* Effect.forkScoped(Effect.repeat(dropOnce, Schedule.spaced(intervalFor(retention))))
  })).pipe(Layer.provide(TaskFeed.layer), Layer.provide(ChangeSignal.layer))
