/**
 * How a reader of the live feed learns that an owner's feed may have moved: every process has
 * one signal; its stores raise it after their own commits, and a listener raises it for the
 * commits of other processes. A wake-up says only "read again": the feed itself is the truth.
 */
import { Context, Deferred, Effect, FiberId, Layer, type Scope } from "effect"
import type { UserId } from "./Task.js"

export interface ChangeSignalShape {
  /**
   * Subscribes, for the enclosing scope, to `owner`'s feed; the effect returned waits until
   * the feed may have moved since the subscription or since its previous return.
   */
  readonly subscribe: (owner: UserId) => Effect.Effect<Effect.Effect<void>, never, Scope.Scope>
  readonly raise: (owner: UserId) => Effect.Effect<void>
  /** After a listener lost notifications: every subscriber reads again. */
  readonly raiseAll: Effect.Effect<void>
  /** The owners with at least one subscriber, for a store that polls for others' commits. */
  readonly subscribedOwners: Effect.Effect<ReadonlyArray<UserId>>
}

export class ChangeSignal extends Context.Tag("@todo/core/ChangeSignal")<ChangeSignal, ChangeSignalShape>() {
  /** Within one process, without a store: what every process runs. */
  static readonly layer: Layer.Layer<ChangeSignal> = Layer.sync(ChangeSignal, () => {
    interface Waiter {
      raised: boolean
      wakeUp: Deferred.Deferred<void> | undefined
    }
    const waiters = new Map<UserId, Set<Waiter>>()

    const wake = (waiter: Waiter) => {
      waiter.raised = true
      if (waiter.wakeUp !== undefined) Deferred.unsafeDone(waiter.wakeUp, Effect.void)
    }

    const waitFor = (waiter: Waiter): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (waiter.raised) {
          waiter.raised = false
          return Effect.void
        }
        const wakeUp = Deferred.unsafeMake<void>(FiberId.none)
        waiter.wakeUp = wakeUp
        return Deferred.await(wakeUp).pipe(Effect.ensuring(Effect.sync(() => {
          waiter.wakeUp = undefined
          waiter.raised = false
        })))
      })

    const subscribe = (owner: UserId) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const waiter: Waiter = { raised: false, wakeUp: undefined }
          const forOwner = waiters.get(owner) ?? new Set()
          forOwner.add(waiter)
          waiters.set(owner, forOwner)
          return waiter
        }),
        (waiter) =>
          Effect.sync(() => {
            const forOwner = waiters.get(owner)
            forOwner?.delete(waiter)
            if (forOwner?.size === 0) waiters.delete(owner)
          })
      ).pipe(Effect.map(waitFor))

    return {
      subscribe,
      raise: (owner) => Effect.sync(() => waiters.get(owner)?.forEach(wake)),
      raiseAll: Effect.sync(() => waiters.forEach((forOwner) => forOwner.forEach(wake))),
      subscribedOwners: Effect.sync(() => [...waiters.keys()])
    }
  })
}
