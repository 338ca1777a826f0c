/**
 * One reader of the feed per user on this process, however many of that user's streams are open:
 * it reads each change once and writes the same text to every stream that has reached it. An idle
 * stream is then an entry in a set, not a fiber waiting on its own read. A stream resuming from a
 * cursor catches up by itself (pages of the delta read), then joins the shared reader at the
 * position where the two meet, so nothing is lost or sent twice.
 */
import { decodeFeedCursor, encodeFeedCursor, type FeedItem, type FeedPage, TaskFeed, type UserId } from "@todo/core"
import type { FeedCursorExpired, RepositoryUnavailable, ValidationFailed } from "@todo/core"
import { Deferred, Effect, Either, Exit, FiberId, Runtime } from "effect"
import { eventOf } from "./ChangeWire.js"

/** What the fan-out knows of a stream. */
export interface Sink {
  /** The position of the last change the stream was sent. */
  position: number
  /** While true the stream reads its own way up to the shared reader. */
  catchingUp: boolean
  readonly send: (text: string) => void
  /** The shared reader failed: the stream ends (its client resumes from its last id). */
  readonly fail: () => void
}

interface Reader {
  readonly sinks: Set<Sink>
  /** The position of the last change read. */
  position: number
  readonly started: Deferred.Deferred<void, RepositoryUnavailable>
  stop: () => void
}

type FeedFailure = ValidationFailed | FeedCursorExpired | RepositoryUnavailable

export interface FeedFanOut {
  /**
   * Adds `sink` to `owner`'s shared reader. From `since` (a position, already checked), or from
   * where the reader stands. `first` is the page already read after `since`, if any.
   */
  readonly join: (
    owner: UserId,
    sink: Sink,
    from: { readonly since: number; readonly first: FeedPage } | undefined
  ) => Effect.Effect<void, FeedFailure>
  readonly leave: (owner: UserId, sink: Sink) => void
}

const CATCH_UP_PAGE = 100

const positionOf = (owner: UserId, item: FeedItem): number => Either.getOrThrow(decodeFeedCursor(owner, item.cursor, "cursor"))

export const make = Effect.gen(function*() {
  const feed = yield* TaskFeed
  const runFork = Runtime.runFork(yield* Effect.runtime<never>())
  const readers = new Map<UserId, Reader>()

  const deliver = (owner: UserId, reader: Reader) => (items: ReadonlyArray<FeedItem>) =>
    Effect.sync(() => {
      for (const item of items) {
        const position = positionOf(owner, item)
        const text = eventOf(item.cursor, item.change)
        for (const sink of reader.sinks) {
          if (sink.catchingUp || position <= sink.position) continue
          sink.position = position
          sink.send(text)
        }
        reader.position = position
      }
    })

  const readerOf = (owner: UserId): Reader => {
    const known = readers.get(owner)
    if (known !== undefined) return known
    const reader: Reader = {
      sinks: new Set(),
      position: 0,
      started: Deferred.unsafeMake(FiberId.none),
      stop: () => {}
    }
    readers.set(owner, reader)
    const run = Effect.gen(function*() {
      // From a cursor, so that the reader's first position is known exactly.
      const { cursor } = yield* feed.changes(owner, {})
      const following = yield* feed.followEach(owner, { cursor, field: "cursor" }, deliver(owner, reader))
      reader.position = Either.getOrThrow(decodeFeedCursor(owner, cursor, "cursor"))
      yield* Deferred.succeed(reader.started, undefined)
      return yield* following
    }).pipe(Effect.scoped)
    const fiber = runFork(run)
    reader.stop = () => fiber.unsafeInterruptAsFork(FiberId.none)
    fiber.addObserver((exit) => {
      if (readers.get(owner) === reader) readers.delete(owner)
      if (Exit.isInterrupted(exit)) return
      Deferred.unsafeDone(reader.started, Exit.isFailure(exit) ? Exit.failCause(exit.cause as never) : Exit.void)
      for (const sink of reader.sinks) sink.fail()
    })
    return reader
  }

  const leave = (owner: UserId, sink: Sink) => {
    const reader = readers.get(owner)
    if (reader === undefined || !reader.sinks.delete(sink) || reader.sinks.size > 0) return
    readers.delete(owner)
    reader.stop()
  }

  /** The changes after the sink's position, until it stands where the shared reader does. */
  const catchUp = (owner: UserId, sink: Sink, reader: Reader, page: FeedPage): Effect.Effect<void, FeedFailure> =>
    Effect.suspend(() => {
      let text = ""
      for (const item of page.changes) {
        sink.position = positionOf(owner, item)
        text += eventOf(item.cursor, item.change)
      }
      if (text !== "") sink.send(text)
      // Checked and switched in one go: the reader delivers nothing in between.
      if (!page.has_more && reader.position <= sink.position) {
        sink.catchingUp = false
        return Effect.void
      }
      return Effect.flatMap(
        feed.changes(owner, { since: encodeFeedCursor(owner, sink.position), limit: CATCH_UP_PAGE }),
        (next) => catchUp(owner, sink, reader, next)
      )
    })

  const join: FeedFanOut["join"] = (owner, sink, from) =>
    Effect.suspend(() => {
      const reader = readerOf(owner)
      sink.catchingUp = true
      reader.sinks.add(sink)
      return Deferred.await(reader.started).pipe(
        Effect.zipRight(Effect.suspend(() => {
          if (from === undefined) {
            sink.position = reader.position
            sink.catchingUp = false
            return Effect.void
          }
          sink.position = from.since
          return catchUp(owner, sink, reader, from.first)
        })),
        Effect.onError(() => Effect.sync(() => leave(owner, sink)))
      )
    })

  return { join, leave } satisfies FeedFanOut
})
