/** The change feed's use-cases: read a user's changes after a cursor, follow them live, keep them for a while. */
import { Chunk, Context, DateTime, Duration, Effect, Either, Layer, Option, type Scope, Stream } from "effect"
import { ChangeSignal } from "./ChangeSignal.js"
import type { UserId } from "./Task.js"
import { decodeFeedCursor, encodeFeedCursor, type FeedEntry, type FeedItem, type FeedSlice, notOurs } from "./TaskChange.js"
import { FeedCursorExpired, type RepositoryUnavailable, type ValidationFailed } from "./TaskErrors.js"
import { TaskRepository } from "./TaskRepository.js"

export interface FeedPage {
  readonly changes: ReadonlyArray<FeedItem>
  /** Where to continue: after the last change served, or the current position when none was. */
  readonly cursor: string
  readonly has_more: boolean
}

export const DEFAULT_FEED_LIMIT = 100
/** How many changes a live reader takes per read of the store. */
const FOLLOW_BATCH = 100

export class TaskFeed extends Context.Tag("@todo/core/TaskFeed")<TaskFeed, {
  /** Without `since`: no changes and the current cursor, to take before a full list. */
  readonly changes: (
    actor: UserId,
    options: { readonly since?: string | undefined; readonly limit?: number | undefined }
  ) => Effect.Effect<FeedPage, ValidationFailed | FeedCursorExpired | RepositoryUnavailable>
  /**
   * The changes after `since` (from now without it) as they are committed, for as long as the
   * scope lasts. A bad cursor fails here, before anything is served; the stream fails only if
   * the store does, or if the reader falls so far behind that its changes were dropped.
   */
  readonly follow: (
    actor: UserId,
    since: { readonly cursor: string; readonly field: string } | undefined
  ) => Effect.Effect<
    Stream.Stream<FeedItem, FeedCursorExpired | RepositoryUnavailable>,
    ValidationFailed | FeedCursorExpired | RepositoryUnavailable,
    Scope.Scope
  >
  /** Drops the changes older than `retention`, every user's. */
  readonly dropOlderThan: (retention: Duration.Duration) => Effect.Effect<number, RepositoryUnavailable>
}>() {
  static readonly layer = Layer.effect(
    TaskFeed,
    Effect.gen(function*() {
      const repository = yield* TaskRepository
      const signal = yield* ChangeSignal

      const positionOf = (actor: UserId, cursor: string, field: string): Effect.Effect<number, ValidationFailed> =>
        Either.match(decodeFeedCursor(actor, cursor, field), { onLeft: Effect.fail, onRight: Effect.succeed })

      /**
       * The entries after `position`: a position past the head was never issued, and one after
       * which the next change is missing lost its changes to retention.
       */
      const readAfter = (
        actor: UserId,
        position: number,
        limit: number,
        field: string
      ): Effect.Effect<FeedSlice, ValidationFailed | FeedCursorExpired | RepositoryUnavailable> =>
        Effect.flatMap(repository.changesAfter(actor, position, limit), (slice): Effect.Effect<
          FeedSlice,
          ValidationFailed | FeedCursorExpired
        > => {
          if (position > slice.head) return Effect.fail(notOurs(field))
          const first = slice.entries[0]
          if (position < slice.head && (first === undefined || first.position !== position + 1)) {
            return Effect.fail(new FeedCursorExpired())
          }
          return Effect.succeed(slice)
        })

      const itemsOf = (actor: UserId, entries: ReadonlyArray<FeedEntry>) =>
        entries.map((entry): FeedItem => ({ cursor: encodeFeedCursor(actor, entry.position), change: entry.change }))

      const changes = Effect.fnUntraced(function* changes(
        actor: UserId,
        options: { readonly since?: string | undefined; readonly limit?: number | undefined }
      ) {
        if (options.since === undefined) {
          const { head } = yield* repository.changesAfter(actor, Number.MAX_SAFE_INTEGER, 0)
          return { changes: [], cursor: encodeFeedCursor(actor, head), has_more: false } satisfies FeedPage
        }
        const limit = options.limit ?? DEFAULT_FEED_LIMIT
        const since = yield* positionOf(actor, options.since, "since")
        const slice = yield* readAfter(actor, since, limit + 1, "since")
        const served = slice.entries.slice(0, limit)
        const last = served[served.length - 1]?.position ?? since
        return {
          changes: itemsOf(actor, served),
          cursor: encodeFeedCursor(actor, last),
          has_more: slice.entries.length > limit
        } satisfies FeedPage
      })

      const follow = Effect.fnUntraced(function* follow(
        actor: UserId,
        since: { readonly cursor: string; readonly field: string } | undefined
      ) {
        // Subscribed before the first read, so that no commit falls between the two.
        const moved = yield* signal.subscribe(actor)
        const start = since === undefined
          ? (yield* repository.changesAfter(actor, Number.MAX_SAFE_INTEGER, 0)).head
          : yield* positionOf(actor, since.cursor, since.field)
        // One entry read, not none: with none, any cursor behind the head would look expired.
        if (since !== undefined) yield* readAfter(actor, start, 1, since.field)
        const next = (position: number): Effect.Effect<
          Option.Option<readonly [Chunk.Chunk<FeedItem>, number]>,
          FeedCursorExpired | RepositoryUnavailable
        > =>
          readAfter(actor, position, FOLLOW_BATCH, "since").pipe(
            Effect.catchTag("ValidationFailed", Effect.die),
            Effect.flatMap(({ entries }) => {
              const last = entries[entries.length - 1]
              return last === undefined
                ? Effect.zipRight(moved, next(position))
                : Effect.succeed(Option.some([Chunk.unsafeFromArray(itemsOf(actor, entries)), last.position] as const))
            })
          )
        return Stream.unfoldChunkEffect(start, next)
      })

      const dropOlderThan = (retention: Duration.Duration) =>
        Effect.flatMap(DateTime.now, (now) => repository.dropChangesBefore(DateTime.subtractDuration(now, retention)))

      return { changes, follow, dropOlderThan }
    })
  )
}
