/** `migrate`: apply the pending schema migrations, or list what is applied and pending. */
import type { SqlClient } from "@effect/sql/SqlClient"
import { migrate, migrationStatus } from "@todo/postgres"
import type { Command } from "commander"
import { Effect } from "effect"
import { examples, jsonOption } from "../CommandLine.js"
import { printJson, printLine, printTable } from "../Output.js"
import type { Runner } from "../Runner.js"

interface MigrateOptions {
  readonly status?: true
  readonly json?: true
}

const status = (options: MigrateOptions) =>
  Effect.gen(function*() {
    const { applied, pending } = yield* migrationStatus
    if (options.json) return yield* printJson({ applied, pending })
    yield* printTable(
      [{ header: "MIGRATION", cell: (row) => row.name }, { header: "STATUS", cell: (row) => row.status }],
      [...applied.map((name) => ({ name, status: "applied" })), ...pending.map((name) => ({ name, status: "pending" }))]
    )
  })

const apply = (options: MigrateOptions) =>
  Effect.gen(function*() {
    const applied = yield* migrate
    if (options.json) return yield* printJson({ applied })
    if (applied.length === 0) return yield* printLine("Nothing to apply: the schema is current.")
    yield* printLine(`Applied ${applied.length} migration${applied.length === 1 ? "" : "s"}:`)
    yield* printLine(applied.map((name) => `  ${name}`).join("\n"))
  })

export const registerMigrate = (program: Command, runner: Runner<SqlClient>): void => {
  program.command("migrate")
    .description("apply the pending database migrations (the API also applies them when it starts)")
    .option("--status", "only list the applied and pending migrations")
    .addOption(jsonOption())
    .addHelpText("after", examples("todo-admin migrate --status", "DATABASE_URL=postgres://… todo-admin migrate"))
    .action((options: MigrateOptions) => runner.run(options.status ? status(options) : apply(options)))
}
