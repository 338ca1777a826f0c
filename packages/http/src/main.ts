#!/usr/bin/env node
/**
 * `todo-api`. Every setting is read and checked here, once, before anything starts. With
 * WEB_CONCURRENCY above 1 (`auto`: one per core) this process only forks that many servers,
 * which share the port; the server modules are loaded by the workers alone.
 */
import { ApiConfig, loadDotEnv, Setting } from "@todo/config"
import { Effect, Either } from "effect"
import cluster from "node:cluster"
import * as Workers from "./server/Workers.js"

loadDotEnv()

const config = Effect.runSync(Effect.either(ApiConfig.config))
if (Either.isLeft(config)) {
  for (const problem of Setting.problemsOf(config.left)) console.error(`todo-api: invalid configuration: ${problem}`)
  process.exit(Setting.INVALID_EXIT_CODE)
}
const count = config.right.server.webConcurrency
if (cluster.isPrimary && count > 1) Workers.runPrimary(count)
else (await import("./server/ServeProcess.js")).run(config.right)
