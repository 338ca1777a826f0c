/** The tools over stdio for one user, until the client closes stdin: JSON-RPC alone on stdout. */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import type { Tasks, UserId } from "@todo/core"
import { Effect, Runtime } from "effect"
import { makeServer } from "./TaskToolServer.js"

export const serveStdio = (user: UserId): Effect.Effect<void, never, Tasks> =>
  Effect.flatMap(Effect.runtime<Tasks>(), (runtime) =>
    Effect.async<void>((resume) => {
      const server = makeServer(user, Runtime.runPromiseExit(runtime))
      const close = () => void server.close()
      server.onclose = () => {
        process.stdin.off("end", close)
        resume(Effect.void)
      }
      process.stdin.once("end", close)
      void server.connect(new StdioServerTransport())
      return Effect.promise(() => server.close())
    }))
