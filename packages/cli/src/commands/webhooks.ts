/** `webhooks`: the deliveries still pending or given up on, and retrying them. */
import { DateTime, Effect } from "effect"
import { type WebhookDeliveryStatus, WebhookOutbox } from "@todo/core"
import type { Command } from "commander"
import { CommandFailed, UsageError } from "../CommandFailure.js"
import { examples, jsonOption } from "../CommandLine.js"
import { type Column, printJson, printLine, printTable } from "../Output.js"
import type { Runner } from "../Runner.js"

const LISTED = 1000

interface ListOptions {
  readonly json?: true
}

interface RetryOptions {
  readonly id?: string
  readonly failed?: true
}

const moment = (at: DateTime.Utc | null) => (at === null ? "-" : DateTime.formatIso(at))

const columns: ReadonlyArray<Column<WebhookDeliveryStatus>> = [
  { header: "ID", cell: (delivery) => delivery.id },
  { header: "STATUS", cell: (delivery) => delivery.status },
  { header: "USER", cell: (delivery) => delivery.user_id },
  { header: "CHANGE", cell: (delivery) => `${delivery.type} ${delivery.task_id}` },
  { header: "CREATED", cell: (delivery) => moment(delivery.created_at) },
  { header: "ATTEMPTS", cell: (delivery) => String(delivery.attempts) },
  { header: "NEXT ATTEMPT", cell: (delivery) => moment(delivery.next_attempt_at) },
  { header: "LAST ERROR", cell: (delivery) => delivery.last_error ?? "-" }
]

const list = (options: ListOptions) =>
  Effect.gen(function*() {
    const deliveries = yield* Effect.flatMap(WebhookOutbox, (outbox) => outbox.list(LISTED))
    if (options.json) {
      return yield* printJson(deliveries.map((delivery) => ({
        ...delivery,
        created_at: moment(delivery.created_at),
        next_attempt_at: delivery.next_attempt_at === null ? null : moment(delivery.next_attempt_at)
      })))
    }
    if (deliveries.length === 0) return yield* printLine("No webhook deliveries are pending or failed.")
    yield* printTable(columns, deliveries)
  })

const retry = (options: RetryOptions) =>
  Effect.gen(function*() {
    if ((options.id === undefined) === (options.failed === undefined)) {
      return yield* new UsageError({ message: "give either --id ID or --failed" })
    }
    const outbox = yield* WebhookOutbox
    const retried = yield* outbox.retry(options.id === undefined ? "failed" : { id: options.id })
    if (options.id !== undefined && retried === 0) {
      return yield* new CommandFailed({ message: `no webhook delivery ${options.id} is pending or failed` })
    }
    yield* printLine(`${retried} deliver${retried === 1 ? "y" : "ies"} due now; a running API sends ${retried === 1 ? "it" : "them"}.`)
  })

export const registerWebhooks = (program: Command, runner: Runner<WebhookOutbox>): void => {
  const webhooks = program.command("webhooks")
    .description("webhook deliveries still pending or failed, with attempts, last error and next attempt")
    .addOption(jsonOption())
    .addHelpText("after", examples("todo-admin webhooks", "todo-admin webhooks retry --failed"))
    .action((options: ListOptions) => runner.run(list(options)))
  webhooks.command("retry")
    .description("make deliveries due now, with a fresh retry schedule: one by id, or every failed one")
    .option("--id <id>", "the delivery (its webhook-id)")
    .option("--failed", "every delivery marked failed")
    .addHelpText("after", examples("todo-admin webhooks retry --id 3f2a…", "todo-admin webhooks retry --failed"))
    .action((options: RetryOptions) => runner.run(retry(options)))
}
