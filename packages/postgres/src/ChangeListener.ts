/**
 * Wakes this process's live feed readers for the commits of every process on the same server:
 * one connection per process LISTENs on the channel `record_task_change` notifies at commit.
 * Where LISTEN is not carried (a pooler, with no direct URL given), the heads of the feeds this
 * process follows are polled instead. The embedded database belongs to one process, whose own
 * writes raise the signal: there is nothing to listen for.
 */
import { ChangeSignal, type UserId } from "@todo/core"
import { DatabaseConfig } from "@todo/config"
import { Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import pg from "pg"
import { Statements } from "./Statements.js"
import { CHANGES_CHANNEL } from "./TaskMigrations.js"

const POLL_EVERY = Duration.millis(500)

const reconnecting = Schedule.exponential("500 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))

/** One listening session: fails when its connection does; every reader reads again once it listens. */
const session = (url: Redacted.Redacted<string>, signal: ChangeSignal["Type"]) =>
  Effect.async<never, Error>((resume) => {
    const client = new pg.Client({
      connectionString: Redacted.value(url),
      application_name: "todo-api listener",
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000
    })
    let ended = false
    const end = (cause: Error) => {
      if (ended) return
      ended = true
      client.end().catch(() => {})
      resume(Effect.fail(cause))
    }
    client.on("notification", (message) => {
      if (message.payload !== undefined) Effect.runSync(signal.raise(message.payload as UserId))
    })
    client.on("error", end)
    client.on("end", () => end(new Error("the connection ended")))
    client.connect()
      .then(() => client.query(`LISTEN ${CHANGES_CHANNEL}`))
      // Commits made while no session listened are found by reading again.
      .then(() => Effect.runSync(signal.raiseAll))
      .catch(end)
    return Effect.sync(() => {
      ended = true
      client.end().catch(() => {})
    })
  })

const listen = (url: Redacted.Redacted<string>, signal: ChangeSignal["Type"]) =>
  session(url, signal).pipe(
    Effect.tapError((cause) =>
      Effect.logWarning(`live events: the change listener lost its connection, reconnecting: ${cause.message}`).pipe(
        Effect.annotateLogs("database", DatabaseConfig.addressOf(url))
      )
    ),
    Effect.retry(reconnecting)
  )

/** Raises the signal for each followed feed whose head moved since the last look. */
const poll = (signal: ChangeSignal["Type"], statements: Statements["Type"]) =>
  Effect.gen(function*() {
    let heads = new Map<string, string>()
    const look = Effect.gen(function*() {
      const owners = yield* signal.subscribedOwners
      if (owners.length === 0) return heads.clear()
      const rows = yield* statements.rows<{ user_id: UserId; head: string }>(
        "SELECT user_id, head::text FROM task_feeds WHERE user_id = ANY($1::text[])",
        [owners]
      )
      const seen = new Map(rows.map((row) => [row.user_id as string, row.head]))
      for (const [owner, head] of seen) if (heads.get(owner) !== head) yield* signal.raise(owner as UserId)
      heads = seen
    })
    yield* look.pipe(Effect.catchAll(() => Effect.void), Effect.zipRight(Effect.sleep(POLL_EVERY)), Effect.forever)
  })

/** Listens at `url`, a direct connection to the server. */
export const listening = (url: Redacted.Redacted<string>): Layer.Layer<never, never, ChangeSignal> =>
  Layer.scopedDiscard(Effect.flatMap(ChangeSignal, (signal) => Effect.forkScoped(listen(url, signal))))

/** Polls the database the `Statements` run on. */
export const polling: Layer.Layer<never, never, ChangeSignal | Statements> = Layer.scopedDiscard(
  Effect.gen(function*() {
    yield* Effect.forkScoped(poll(yield* ChangeSignal, yield* Statements))
  })
)

/** What `config` calls for: listening, polling, or nothing for the embedded database. */
export const layer = (config: DatabaseConfig.DatabaseConfig): Layer.Layer<never, never, ChangeSignal | Statements> => {
  if (Option.isNone(config.url)) return Layer.empty
  const listenUrl = DatabaseConfig.listenUrlOf(config)
  if (Option.isSome(listenUrl)) return listening(listenUrl.value)
  return Layer.merge(
    polling,
    Layer.effectDiscard(
      Effect.logInfo("live events: DATABASE_URL is a pooler's and DATABASE_LISTEN_URL is unset: polling for changes")
    )
  )
}
