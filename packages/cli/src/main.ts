#!/usr/bin/env node
/** todo-admin: the composition root. Settings come from the environment, then from ./.env. */
import { loadDotEnv } from "@todo/config"
import { ChangeSignal, TaskFeed, Tasks } from "@todo/core"
import { Database, PgWebhookOutbox } from "@todo/postgres"
import { Command, CommanderError } from "commander"
import { Layer } from "effect"
import { examples } from "./CommandLine.js"
import { registerChanges } from "./commands/changes.js"
import { registerDoctor } from "./commands/doctor.js"
import { registerMcp } from "./commands/mcp.js"
import { registerMigrate } from "./commands/migrate.js"
import { registerReports } from "./commands/reports.js"
import { registerTasks } from "./commands/tasks.js"
import { registerToken } from "./commands/token.js"
import { registerTransfer } from "./commands/transfer.js"
import { registerWebhooks } from "./commands/webhooks.js"
import { makeRunner } from "./Runner.js"

loadDotEnv()

// Each runtime builds its layer on first use: a command boots the database only if it needs it.
// Data commands migrate first, as the API does; `migrate` (and `doctor`) connect without it, to see what is pending.
const tasks = makeRunner(
  Layer.merge(Tasks.layer, TaskFeed.layer).pipe(Layer.provide(Database.layer), Layer.provideMerge(ChangeSignal.layer))
)
const database = makeRunner(Database.connectionLayer)
const webhooks = makeRunner(PgWebhookOutbox.layer.pipe(Layer.provide(Database.layer)))
const standalone = makeRunner(Layer.empty)

const program = new Command("todo-admin")
  .description("Administer the Todo API: migrations, users' tasks, import and export, tokens, health checks.")
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) })
  .showHelpAfterError("(add --help for usage)")
  .addHelpText("after", examples("todo-admin tasks list --user alice", "todo-admin <command> --help"))

registerMigrate(program, database)
registerTasks(program, tasks)
registerChanges(program, tasks)
registerReports(program, tasks)
registerTransfer(program, tasks)
registerMcp(program, tasks)
registerToken(program, standalone)
registerDoctor(program, standalone)
registerWebhooks(program, webhooks)

try {
  await program.parseAsync()
} catch (error) {
  if (!(error instanceof CommanderError)) throw error
  // Help and version exit 0; every other complaint of commander's is a usage error.
  process.exitCode = error.exitCode === 0 ? 0 : 2
} finally {
  await Promise.all([tasks.dispose(), database.dispose(), standalone.dispose(), webhooks.dispose()])
}
