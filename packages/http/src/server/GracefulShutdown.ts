/**
 * Stopping without dropping work: the listener closes, idle keep-alive connections are closed,
 * requests in flight are answered (with `connection: close`), and whatever is still running when
 * the deadline passes is cut off. Only then does the rest of the server (the pool) shut down.
 * Event streams never finish by themselves: `endStreams` ends them as the drain begins.
 */
import { Effect } from "effect"
import type { Server } from "node:http"

const IDLE_SWEEP_MS = 50

export const drainOnClose = (server: Server, deadlineMs: number, endStreams: () => void = () => {}) =>
  Effect.addFinalizer(() =>
    Effect.async<void>((resume) => {
      if (!server.listening) return resume(Effect.void)
      // Requests that arrive on open connections from now on are answered, then the connection closes.
      server.prependListener("request", (_request, response) => {
        response.shouldKeepAlive = false
      })
      // A connection becomes idle when its request in flight is answered; close it then.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS)
      const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs)
      endStreams()
      server.close(() => {
        clearInterval(sweep)
        clearTimeout(deadline)
        resume(Effect.void)
      })
      server.closeIdleConnections()
    })
  )
