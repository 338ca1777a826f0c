#!/usr/bin/env node
/**
 * `todo-api`. With WEB_CONCURRENCY above 1 (`auto`: one per core) this process only forks that
 * many servers, which share the port; the server modules are loaded by the workers alone.
 */
import cluster from "node:cluster"
import { loadDotEnv } from "./server/DotEnv.js"
import * as Workers from "./server/Workers.js"

loadDotEnv()

const count = Workers.countFrom(process.env["WEB_CONCURRENCY"], process.env["DATABASE_URL"])
if (typeof count === "string") {
  console.error(`todo-api: invalid configuration: ${count}`)
  process.exit(2)
}
if (cluster.isPrimary && count > 1) Workers.runPrimary(count)
else await import("./server/ServeProcess.js")
