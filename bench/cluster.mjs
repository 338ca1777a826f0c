/**
 * `node bench/cluster.mjs <workers> <entry>`: runs <entry> in that many node:cluster workers
 * sharing one port, so the benchmark can compare one worker per core with one process. The
 * servers need no change: a worker's listen() is handed to the primary's round-robin.
 */
import cluster from "node:cluster"

const [workers, entry] = process.argv.slice(2)
cluster.setupPrimary({ exec: entry, args: [] })
for (let i = 0; i < Number(workers); i++) cluster.fork()

let stopping = false
cluster.on("exit", (worker, code, signal) => {
  if (stopping) return
  console.error(`worker ${worker.process.pid} exited (${signal ?? code}): stopping the cluster`)
  stop(1)
})

const stop = (code) => {
  stopping = true
  for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGTERM")
  const waiting = setInterval(() => {
    if (Object.keys(cluster.workers).length === 0) process.exit(code)
  }, 50)
  setTimeout(() => {
    clearInterval(waiting)
    for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGKILL")
    process.exit(code)
  }, 5000).unref()
}

process.on("SIGTERM", () => stop(0))
process.on("SIGINT", () => stop(0))
