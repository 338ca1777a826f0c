/**
 * The change feed's routes, answered straight from Node's request event as the task routes are:
 * `…/tasks/changes` (a page of changes after a cursor) and `…/events` (the changes live, as
 * Server-Sent Events written to the response as they are committed). A stream's failures before
 * it starts are problems like any other route's; once started it only ever ends.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { type FeedItem, TaskFeed, type UserId, validate } from "@todo/core"
import { Cause, Effect, Exit, FiberId, Runtime } from "effect"
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
import { eventOf, KEEP_ALIVE, wire } from "./ChangeWire.js"
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

/** Resolves once `response` can take more, or is gone. */
const drained = (response: ServerResponse) =>
  Effect.async<void>((resume) => {
    const done = () => {
      response.off("drain", done)
      response.off("close", done)
      resume(Effect.void)
    }
    response.on("drain", done)
    response.on("close", done)
    return Effect.sync(() => {
      response.off("drain", done)
      response.off("close", done)
    })
  })

export const make = (options: FeedRoutesOptions) =>
  Effect.gen(function*() {
    const feed = yield* TaskFeed
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
     * user's streams on this instance, and the feed itself (a cursor past retention).
     */
    const events = (incoming: IncomingMessage, response: ServerResponse, url: string, match: Match, facts: RequestFacts) => {
      let started = false
      const stream: { -readonly [K in keyof OpenStream]: OpenStream[K] } = { response, end: () => {} }
      const session = Effect.gen(function*() {
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
        yield* Effect.acquireRelease(
          streams.reserve(owner)
            ? Effect.void
            : Effect.fail(new StreamLimitReached({ limit: streams.perUser, retryAfterSeconds: STREAM_LIMIT_RETRY_AFTER_S })),
          () => Effect.sync(() => streams.release(owner))
        )
        const write = (items: ReadonlyArray<FeedItem>) => {
          let text = ""
          for (const item of items) text += eventOf(item.cursor, item.change)
          return response.write(text) ? Effect.void : drained(response)
        }
        const following = yield* feed.followEach(owner, since, write)
        const exp = decodeJwt(token ?? BearerAuthentication.bearerToken(header) ?? "").exp
        yield* Effect.sync(() => {
          started = true
          response.writeHead(
            200,
            Object.assign({ "x-request-id": facts.requestId }, options.cors.responseHeaders(incoming.headers.origin), STREAM_HEADERS)
          )
          // The first comment tells the client (and any proxy) at once that the stream is open.
          response.write(KEEP_ALIVE)
        })
        if (facts.method === "HEAD") return
        yield* Effect.acquireRelease(
          Effect.sync(() => {
            streams.add(stream)
            return exp === undefined ? undefined : setTimeout(stream.end, Math.min(MAX_TIMER_MS, Math.max(0, exp * 1000 - Date.now())))
          }),
          (expiry) =>
            Effect.sync(() => {
              clearTimeout(expiry)
              streams.remove(stream)
            })
        )
        yield* following
      }).pipe(
        Effect.scoped,
        Effect.catchAllCause((cause) => {
          if (Cause.isInterruptedOnly(cause)) return Effect.void
          return Effect.flatMap(problemOf(cause, facts.requestId), (problem) =>
            Effect.sync(() => {
              if (started) return
              Reply.write(response, Reply.problem(problem), facts.requestId, options.cors.responseHeaders(incoming.headers.origin))
            })).pipe(Effect.annotateLogs("request_id", facts.requestId))
        }),
        Effect.ensuring(Effect.sync(() => {
          if (started && !response.writableEnded) response.end()
        }))
      )
      const fiber = runFork(session)
      stream.end = () => fiber.unsafeInterruptAsFork(FiberId.none)
      fiber.addObserver((exit) => {
        if (options.accessLog) writeRequestLine(facts, started || Exit.isSuccess(exit) ? response.statusCode : CLIENT_CLOSED)
      })
      response.once("close", () => {
        if (!response.writableEnded) stream.end()
      })
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
