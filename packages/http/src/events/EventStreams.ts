/**
 * The event streams open on this process: at most `perUser` per user, one shared ticker that
 * writes the keep-alive comment to all of them, and a way to end them all when the server
 * drains. A stream costs an entry here and its fiber; no timer of its own but its token's end.
 */
import type { ServerResponse } from "node:http"
import { KEEP_ALIVE } from "./ChangeWire.js"

export interface OpenStream {
  readonly response: ServerResponse
  /** Ends the stream: its fiber stops and the response ends. */
  readonly end: () => void
}

export interface EventStreams {
  /** Takes one of `user`'s places, if one is free and the server is not draining. */
  readonly reserve: (user: string) => boolean
  readonly release: (user: string) => void
  readonly add: (stream: OpenStream) => void
  readonly remove: (stream: OpenStream) => void
  /** Ends every open stream, and refuses new ones from now on. */
  readonly endAll: () => void
  readonly draining: () => boolean
  readonly perUser: number
}

export const MAX_STREAMS_PER_USER = 10
/** Under the contract's 15 s, so timer drift never stretches a gap past it. */
export const KEEP_ALIVE_INTERVAL_MS = 10_000

export const make = (options: { readonly perUser?: number; readonly keepAliveMs?: number } = {}): EventStreams => {
  const perUser = options.perUser ?? MAX_STREAMS_PER_USER
  const counts = new Map<string, number>()
  const open = new Set<OpenStream>()
  let ticker: ReturnType<typeof setInterval> | undefined
  let ending = false

  const tick = () => {
    for (const stream of open) {
      // A client that reads nothing gets no more comments than its buffer already holds.
      if (stream.response.writableNeedDrain) continue
      stream.response.write(KEEP_ALIVE)
    }
  }

  return {
    perUser,
    reserve: (user) => {
      const count = counts.get(user) ?? 0
      if (ending || count >= perUser) return false
      counts.set(user, count + 1)
      return true
    },
    release: (user) => {
      const count = (counts.get(user) ?? 1) - 1
      if (count <= 0) counts.delete(user)
      else counts.set(user, count)
    },
    add: (stream) => {
      open.add(stream)
      if (ticker === undefined) {
        ticker = setInterval(tick, options.keepAliveMs ?? KEEP_ALIVE_INTERVAL_MS)
        ticker.unref()
      }
    },
    remove: (stream) => {
      open.delete(stream)
      if (open.size === 0 && ticker !== undefined) {
        clearInterval(ticker)
        ticker = undefined
      }
    },
    endAll: () => {
      ending = true
      for (const stream of [...open]) stream.end()
    },
    draining: () => ending
  }
}
