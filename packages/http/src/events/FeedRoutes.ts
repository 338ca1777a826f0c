/**
 * The change feed's routes, answered straight from Node's request event as the task routes are:
 * `…/tasks/changes` (a page of changes after a cursor) and `…/events` (the changes live, as
 * Server-Sent Events written to the response as they are committed). A stream's failures before
 * it starts are problems like any other route's; once started it only ever ends.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { decodeFeedCursor, notOurs, TaskFeed, type UserId, validate } from "@todo/core"
import { Cause, Effect, Either, type Fiber, FiberId, Runtime } from "effect"
import { decodeJwt } from "jose"
import type { IncomingMessage, ServerResponse } from "node:http"
import { ChangesQuery, EventsQuery, OwnFeed, UserFeed } from "../api/Api.js"
import type { Match, RouteTable } from "../api/RouteTable.js"
import * as BearerAuthentication from "../auth/BearerAuthentication.js"
import { CLIENT_CLOSED, type RequestFacts, writeRequestLine } from "../edge/AccessLog.js"
import type { CorsPolicy } from "../edge/Cors.js"
import { factsOf, type NodeRoutes, responder } from "../edge/NodeResponder.js"
import * as Reply from "../edge/Reply.js"
import { MAX_URI_BYTES } from "../edge/UriLength.js"
import { problemOf } from "../problems/ProblemOfCause.js"
import { StreamLimitReached, UserMismatch } from "../problems/RequestErrors.js"
import { KEEP_ALIVE, wire } from "./ChangeWire.js"
import * as FeedFanOut from "./FeedFanOut.js"
import type { Sink } from "./FeedFanOut.js"
import type { EventStreams, OpenStream } from "./EventStreams.js"

export interface FeedRoutesOptions {
  /** `Api`'s routes. */
  readonly routes: RouteTable
  readonly cors: CorsPolicy
  readonly accessLog: boolean
  readonly streams: EventStreams
}

const FEED_GROUPS: ReadonlySet<string> = new Set([UserFeed.identifier, OwnFeed.identifier])

/** A user holding all their streams may retry once one of them has had time to close. */
const STREAM_LIMIT_RETRY_AFTER_S = 5
/** The page a resuming stream reads first, to refuse a bad cursor before it starts. */
const FIRST_PAGE = 100
/** Unread events a client may hold before it is let go. */
const MAX_BUFFERED_BYTES = 1024 * 1024
/** Node's timers take at most this delay; a token living longer ends its stream after it. */
const MAX_TIMER_MS = 2 ** 31 - 1

const userMismatch = new UserMismatch()
const decodeChangesQuery = validate(ChangesQuery)
const decodeEventsQuery = validate(EventsQuery)

const queryOf = (url: string) => {
  const start = url.indexOf("?")
  return start === -1 ? {} : HttpServerRequest.searchParamsFromURL(new URL(`http://localhost/?${url.slice(start + 1)}`))
}

const STREAM_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "x-accel-buffering": "no"
} as const

export const make = (options: FeedRoutesOptions) =>
  Effect.gen(function*() {
    const feed = yield* TaskFeed
    const fanOut = yield* FeedFanOut.make
    const authenticate = yield* BearerAuthentication.make
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const respond = responder(runFork, options)
    const { streams } = options

    /** The token's user, who must be the one the path names, if it names one. */
    const ownerOf = (authorization: string | undefined, match: Match, facts: RequestFacts) =>
      Effect.flatMap(authenticate(authorization, facts), (owner) => {
        const pathUser = match.params["user_id"]
        return pathUser === undefined || pathUser === owner ? Effect.succeed(owner) : Effect.fail(userMismatch)
      })

    const changes = (incoming: IncomingMessage, url: string, match: Match, facts: RequestFacts) =>
      Effect.gen(function*() {
        const owner = yield* ownerOf(incoming.headers.authorization, match, facts)
        const query = yield* decodeChangesQuery(queryOf(url))
        const page = yield* feed.changes(owner, query)
        return Reply.json({ changes: page.changes.map((item) => wire(item.change)), cursor: page.cursor, has_more: page.has_more })
      })

    /**
     * Everything that may refuse a stream, in order: the token (the header, or `access_token`
     * on this route only), the path's user, the cursor (`Last-Event-ID` wins over `since`), the
     * user's streams on this instance, and the feed itself (a cursor past retention). Once the
     * stream is open it holds no fiber: the user's shared reader writes to it, and it ends at its
     * token's `exp`, when the client leaves, when the server drains, or when it stops reading.
     */
    const events = (incoming: IncomingMessage, response: ServerResponse, url: string, match: Match, facts: RequestFacts) => {
      let started = false
      let finished = false
      let status = CLIENT_CLOSED
      let reserved: UserId | undefined
      let expiry: ReturnType<typeof setTimeout> | undefined
      let exp: number | undefined
      const stream: OpenStream = { response, end: () => end() }

      const start = () => {
        if (started || finished) return
        started = true
        status = 200
        response.writeHead(
          200,
          Object.assign({ "x-request-id": facts.requestId }, options.cors.responseHeaders(incoming.headers.origin), STREAM_HEADERS)
        )
        // The first comment tells the client (and any proxy) at once that the stream is open.
        response.write(KEEP_ALIVE)
        streams.add(stream)
        if (exp !== undefined) expiry = setTimeout(end, Math.min(MAX_TIMER_MS, Math.max(0, exp * 1000 - Date.now())))
      }

      const sink: Sink = {
        position: 0,
        catchingUp: true,
        send: (text) => {
          start()
          if (finished) return
          // A client this far behind is let go; it resumes from its last id.
          if (response.writableLength > MAX_BUFFERED_BYTES) return end()
          response.write(text)
        },
        fail: () => end()
      }

      const preflight = Effect.gen(function*() {
        const query = yield* decodeEventsQuery(queryOf(url))
        const header = incoming.headers.authorization
        const token = header === undefined && query.access_token !== undefined ? query.access_token : undefined
        const owner: UserId = yield* ownerOf(token === undefined ? header : `Bearer ${token}`, match, facts)
        const lastEventId = incoming.headers["last-event-id"]
        // An empty Last-Event-ID is what a client that received no event yet holds: no position.
        const since = typeof lastEventId === "string" && lastEventId !== ""
          ? { cursor: lastEventId, field: "Last-Event-ID" }
          : query.since === undefined
          ? undefined
          : { cursor: query.since, field: "since" }
        if (!streams.reserve(owner)) {
          return yield* new StreamLimitReached({ limit: streams.perUser, retryAfterSeconds: STREAM_LIMIT_RETRY_AFTER_S })
        }
        reserved = owner
        exp = decodeJwt(token ?? BearerAuthentication.bearerToken(header) ?? "").exp
        if (since === undefined) return yield* fanOut.join(owner, sink, undefined)
        const first = yield* feed.changes(owner, { since: since.cursor, limit: FIRST_PAGE }).pipe(
          Effect.catchTag("ValidationFailed", () => Effect.fail(notOurs(since.field)))
        )
        const position = Either.getOrThrow(decodeFeedCursor(owner, since.cursor, since.field))
        yield* fanOut.join(owner, sink, { since: position, first })
      }).pipe(
        Effect.zipRight(Effect.sync(() => {
          start()
          if (facts.method === "HEAD") end()
        })),
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.void : Effect.flatMap(problemOf(cause, facts.requestId), (problem) =>
            Effect.sync(() => {
              if (!started) {
                status = problem.document.status
                Reply.write(response, Reply.problem(problem), facts.requestId, options.cors.responseHeaders(incoming.headers.origin))
              }
              end()
            })).pipe(Effect.annotateLogs("request_id", facts.requestId))
        )
      )

      /** Ends the stream, once, whatever it got to: everything it holds is given back. */
      const end = () => {
        if (finished) return
        finished = true
        fiber?.unsafeInterruptAsFork(FiberId.none)
        clearTimeout(expiry)
        streams.remove(stream)
        if (reserved !== undefined) {
          fanOut.leave(reserved, sink)
          streams.release(reserved)
        }
        if (started && !response.writableEnded) response.end()
        if (options.accessLog) writeRequestLine(facts, status)
      }

      // Assigned once forked; a preflight that fails at once ends the stream before that.
      let fiber: Fiber.RuntimeFiber<void> | undefined
      fiber = runFork(preflight)
      // Once the stream has started (or ended) its preflight fiber is done: nothing may hold on to it.
      fiber.addObserver(() => {
        fiber = undefined
      })
      response.once("close", end)
    }

    const routes: NodeRoutes = (incoming, response) => {
      const url = incoming.url ?? "/"
      if (url.length > MAX_URI_BYTES) return false
      const method = incoming.method ?? "GET"
      const match = options.routes.match(method, url.split("?", 1)[0]!)
      if (match === undefined || !FEED_GROUPS.has(match.endpoint.group)) return false
      const facts = factsOf(incoming, method, match.endpoint.path)
      if (match.endpoint.name === "events") events(incoming, response, url, match, facts)
      else respond(incoming, response, facts, changes(incoming, url, match, facts))
      return true
    }
    return routes
  })
