/**
 * One reader of the feed per user on this process, however many of that user's streams are open:
 * it reads each change once and writes the same text to every stream that has reached it. A
 * reader is plain state woken by the process's `ChangeSignal`, with a fiber only while it reads,
 * so an idle stream costs an entry in a set. A stream resuming from a cursor catches up by
 * itself (pages of the delta read), then joins the reader at the position where the two meet, so
 * nothing is lost or sent twice.
 */
import { ChangeSignal, decodeFeedCursor, encodeFeedCursor, type FeedItem, type FeedPage, TaskFeed, type UserId } from "@todo/core"
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
  /** The position of the last change read, once the feed's head has been read. */
  position: number | undefined
  readonly started: Deferred.Deferred<void, FeedFailure>
  /** A read is under way: a wake-up meanwhile only marks the feed `moved`. */
  reading: boolean
  moved: boolean
  unlisten: () => void
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

const READ_PAGE = 100

const positionOf = (owner: UserId, cursor: string): number => Either.getOrThrow(decodeFeedCursor(owner, cursor, "cursor"))

export const make = Effect.gen(function*() {
  const feed = yield* TaskFeed
  const signal = yield* ChangeSignal
  const runFork = Runtime.runFork(yield* Effect.runtime<never>())
  const readers = new Map<UserId, Reader>()

  const deliver = (owner: UserId, reader: Reader, items: ReadonlyArray<FeedItem>) => {
    for (const item of items) {
      const position = positionOf(owner, item.cursor)
      const text = eventOf(item.cursor, item.change)
      for (const sink of reader.sinks) {
        if (sink.catchingUp || position <= sink.position) continue
        sink.position = position
        sink.send(text)
      }
      reader.position = position
    }
  }

  /** The reader is gone: its streams end, and their clients resume from their last ids. */
  const drop = (owner: UserId, reader: Reader) => {
    if (readers.get(owner) === reader) readers.delete(owner)
    reader.unlisten()
    for (const sink of reader.sinks) sink.fail()
  }

  /** Reads what was committed after the reader's position, once at a time, again while more follows. */
  const read = (owner: UserId, reader: Reader): void => {
    if (reader.position === undefined || reader.reading) {
      reader.moved = true
      return
    }
    reader.reading = true
    reader.moved = false
    const since = encodeFeedCursor(owner, reader.position)
    runFork(feed.changes(owner, { since, limit: READ_PAGE })).addObserver((exit) => {
      reader.reading = false
      if (readers.get(owner) !== reader) return
      if (Exit.isFailure(exit)) return drop(owner, reader)
      deliver(owner, reader, exit.value.changes)
      if (exit.value.has_more || reader.moved) read(owner, reader)
    })
  }

  const readerOf = (owner: UserId): Reader => {
    const known = readers.get(owner)
    if (known !== undefined) return known
    const reader: Reader = {
      sinks: new Set(),
      position: undefined,
      started: Deferred.unsafeMake(FiberId.none),
      reading: false,
      moved: false,
      unlisten: () => {}
    }
    readers.set(owner, reader)
    // Listening before the head is read, so that no commit falls between the two.
    reader.unlisten = signal.listen(owner, () => read(owner, reader))
    runFork(feed.changes(owner, {})).addObserver((exit) => {
      if (Exit.isSuccess(exit)) reader.position = positionOf(owner, exit.value.cursor)
      Deferred.unsafeDone(reader.started, Exit.asVoid(exit))
      if (Exit.isFailure(exit)) drop(owner, reader)
      else if (reader.moved) read(owner, reader)
    })
    return reader
  }

  const leave = (owner: UserId, sink: Sink) => {
    const reader = readers.get(owner)
    if (reader === undefined || !reader.sinks.delete(sink) || reader.sinks.size > 0) return
    readers.delete(owner)
    reader.unlisten()
  }

  /** The changes after the sink's position, until it stands where the shared reader does. */
  const catchUp = (owner: UserId, sink: Sink, reader: Reader, page: FeedPage): Effect.Effect<void, FeedFailure> =>
    Effect.suspend(() => {
      let text = ""
      for (const item of page.changes) {
        sink.position = positionOf(owner, item.cursor)
        text += eventOf(item.cursor, item.change)
      }
      if (text !== "") sink.send(text)
      // Checked and switched in one go: the reader delivers nothing in between.
      if (!page.has_more && reader.position! <= sink.position) {
        sink.catchingUp = false
        return Effect.void
      }
      return Effect.flatMap(
        feed.changes(owner, { since: encodeFeedCursor(owner, sink.position), limit: READ_PAGE }),
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
            sink.position = reader.position!
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
