/**
 * One process at a time in a PGlite data directory: PGlite takes no lock of its own, and two
 * processes writing the same files corrupt them. The lock is a file that names its holder's
 * pid and the host's boot time; a holder that is gone (killed, or before a reboot) leaves it stale.
 */
import { RepositoryUnavailable } from "@todo/core"
import { Effect, type Scope } from "effect"
import { link, readFile, unlink, writeFile } from "node:fs/promises"
import { uptime } from "node:os"
import { join } from "node:path"

const LOCK_FILE = "todo.lock"

interface Holder {
  readonly pid: number
  readonly bootedAt: number
}

/** Directories this process holds: a second open here is refused too, and a lock naming our pid that is not in here is stale. */
const heldHere = new Set<string>()

// Boot times computed at different instants differ by rounding; a reboot moves them by far more.
const BOOT_TIME_SLACK_MS = 60_000
const bootedAt = () => Math.round(Date.now() - uptime() * 1000)

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const holderIn = (text: string): Holder | undefined => {
  try {
    const { pid, bootedAt } = JSON.parse(text) as Partial<Holder>
    return typeof pid === "number" && typeof bootedAt === "number" ? { pid, bootedAt } : undefined
  } catch {
    return undefined
  }
}

const isStale = (holder: Holder) =>
  Math.abs(holder.bootedAt - bootedAt()) > BOOT_TIME_SLACK_MS ||
  // Our own pid in a file we did not write: a previous run (as PID 1 in a container, say).
  holder.pid === process.pid ||
  !isAlive(holder.pid)

const cannotLock = (dir: string) => new RepositoryUnavailable({ reason: `the embedded database in ${dir} could not be locked` })

const inUse = (dir: string, pid: number) =>
  new RepositoryUnavailable({
    reason: `the embedded database in ${dir} is in use by process ${pid} (stop it, or set DATABASE_URL to share a PostgreSQL server)`
  })

const readIfPresent = (file: string) =>
  readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => error.code === "ENOENT" ? undefined : Promise.reject(error))

/** `link` publishes the lock with its whole content at once, or fails if it exists. */
const linked = (draft: string, file: string) =>
  link(draft, file).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "EEXIST" ? false : Promise.reject(error))
  )

const tryAcquire = async (dir: string): Promise<RepositoryUnavailable | undefined> => {
  const file = join(dir, LOCK_FILE)
  const draft = `${file}.${process.pid}`
  await writeFile(draft, JSON.stringify({ pid: process.pid, bootedAt: bootedAt() } satisfies Holder))
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await linked(draft, file)) return undefined
      const found = await readIfPresent(file)
      if (found === undefined) continue
      const holder = holderIn(found)
      if (holder !== undefined && !isStale(holder)) return inUse(dir, holder.pid)
      // Remove only the stale lock we read: one that another process has just put in its
      // place is left alone, and our next link fails on it.
      if ((await readIfPresent(file)) === found) await unlink(file).catch(() => undefined)
    }
    return cannotLock(dir)
  } finally {
    await unlink(draft).catch(() => undefined)
  }
}

const release = async (dir: string) => {
  heldHere.delete(dir)
  const holder = holderIn(await readFile(join(dir, LOCK_FILE), "utf8").catch(() => ""))
  if (holder?.pid === process.pid) await unlink(join(dir, LOCK_FILE)).catch(() => undefined)
}

/** Holds the lock of `dir` (an existing, absolute directory) for the scope, or fails naming its holder. */
export const acquire = (dir: string): Effect.Effect<void, RepositoryUnavailable, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      if (heldHere.has(dir)) return Effect.fail(inUse(dir, process.pid))
      // Claimed before the first await, so a concurrent open in this process sees it.
      heldHere.add(dir)
      return Effect.tryPromise({
        try: () => tryAcquire(dir),
        catch: () => cannotLock(dir)
      }).pipe(
        Effect.flatMap((refused) => (refused === undefined ? Effect.void : Effect.fail(refused))),
        Effect.tapError(() => Effect.sync(() => heldHere.delete(dir)))
      )
    }),
    () => Effect.promise(() => release(dir))
  )
