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
  /**
   * Calls `wake` each time `owner`'s feed may have moved, until the function returned is called:
   * a subscription that needs no fiber, for a host that holds many.
   */
  readonly listen: (owner: UserId, wake: () => void) => () => void
  readonly raise: (owner: UserId) => Effect.Effect<void>
  /** After a listener lost notifications: every subscriber reads again. */
  readonly raiseAll: Effect.Effect<void>
  /** The owners with at least one subscriber, for a store that polls for others' commits. */
  readonly subscribedOwners: Effect.Effect<ReadonlyArray<UserId>>
}

export class ChangeSignal extends Context.Tag("@todo/core/ChangeSignal")<ChangeSignal, ChangeSignalShape>() {
  /** Within one process, without a store: what every process runs. */
  static readonly layer: Layer.Layer<ChangeSignal> = Layer.sync(ChangeSignal, () => {
    const listeners = new Map<UserId, Set<() => void>>()

    const listen = (owner: UserId, wake: () => void) => {
      // A function of its own, so that the same `wake` given twice is two subscriptions.
      const listener = () => wake()
      const forOwner = listeners.get(owner) ?? new Set()
      forOwner.add(listener)
      listeners.set(owner, forOwner)
      return () => {
        forOwner.delete(listener)
        if (forOwner.size === 0 && listeners.get(owner) === forOwner) listeners.delete(owner)
      }
    }

    /** Raised since the last wait, or the wait in progress to wake. */
    interface Waiter {
      raised: boolean
      wakeUp: Deferred.Deferred<void> | undefined
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
      Effect.map(
        Effect.acquireRelease(
          Effect.sync(() => {
            const waiter: Waiter = { raised: false, wakeUp: undefined }
            const unlisten = listen(owner, () => {
              waiter.raised = true
              if (waiter.wakeUp !== undefined) Deferred.unsafeDone(waiter.wakeUp, Effect.void)
            })
            return { waiter, unlisten }
          }),
          ({ unlisten }) => Effect.sync(unlisten)
        ),
        ({ waiter }) => waitFor(waiter)
      )

    const wakeAll = (forOwner: Set<() => void>) => forOwner.forEach((wake) => wake())

    return {
      subscribe,
      listen,
      raise: (owner) =>
        Effect.sync(() => {
          const forOwner = listeners.get(owner)
          if (forOwner !== undefined) wakeAll(forOwner)
        }),
      raiseAll: Effect.sync(() => listeners.forEach(wakeAll)),
      subscribedOwners: Effect.sync(() => [...listeners.keys()])
    }
  })
}
