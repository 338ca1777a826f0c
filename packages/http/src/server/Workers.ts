/**
 * One server process per core with node:cluster: the workers share the listening port, and
 * each has its own database pool (DATABASE_POOL_MAX per worker).
 */
import cluster from "node:cluster"

/**
 * Forks the workers. SIGTERM or SIGINT is passed on, so each drains its requests, and the
 * primary leaves once all are gone; a worker that exits on its own stops the rest, so a
 * supervisor sees the failure instead of a server running short-handed.
 */
export const runPrimary = (count: number): void => {
  let stopping = false
  let exitCode = 0
  const stop = (code: number) => {
    exitCode = Math.max(exitCode, code)
    if (stopping) return
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM")
  }
  cluster.on("exit", (worker, code, signal) => {
    if (!stopping) {
      console.error(`todo-api: worker ${worker.process.pid} exited (${signal ?? code}); stopping the others`)
      stop(1)
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode)
  })
  process.on("SIGTERM", () => stop(0))
  process.on("SIGINT", () => stop(0))
  for (let i = 0; i < count; i++) cluster.fork()
}
