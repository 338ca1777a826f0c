/** The PostgreSQL adapter of `WebhookOutbox`: the `webhook_deliveries` table that `record_task_change` fills. */
import { type ChangeType, type TaskId, type UserId, type WebhookDelivery, type WebhookDeliveryStatus, WebhookOutbox } from "@todo/core"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { taskOfImage, type TaskImage } from "./PgTaskRepository.js"
import { Statements } from "./Statements.js"

interface DeliveryRow {
  readonly id: string
  readonly user_id: string
  readonly type: ChangeType
  readonly task_id: number
  readonly task: TaskImage | null
  readonly at: Date
  readonly attempts: number
}

interface StatusRow {
  readonly id: string
  readonly user_id: string
  readonly type: ChangeType
  readonly task_id: number
  readonly created_at: Date
  readonly attempts: number
  readonly next_attempt_at: Date
  readonly failed_at: Date | null
  readonly last_error: string | null
}

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  user_id: row.user_id as UserId,
  attempts: row.attempts,
  change: {
    type: row.type,
    task_id: row.task_id as TaskId,
    task: row.task === null ? null : taskOfImage(row.task),
    at: DateTime.unsafeMake(row.at)
  }
})

const toStatus = (row: StatusRow): WebhookDeliveryStatus => ({
  id: row.id,
  user_id: row.user_id as UserId,
  type: row.type,
  task_id: row.task_id,
  created_at: DateTime.unsafeMake(row.created_at),
  attempts: row.attempts,
  status: row.failed_at === null ? "pending" : "failed",
  next_attempt_at: row.failed_at === null ? DateTime.unsafeMake(row.next_attempt_at) : null,
  last_error: row.last_error
})

/** Due deliveries, skipping those another process holds, each leased until `$2` milliseconds from now. */
const CLAIM = `
  WITH due AS (
    SELECT id FROM webhook_deliveries
    WHERE failed_at IS NULL AND next_attempt_at <= statement_timestamp()
    ORDER BY next_attempt_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
  )
  UPDATE webhook_deliveries
  SET attempts = attempts + 1, next_attempt_at = statement_timestamp() + $2 * interval '1 millisecond'
  WHERE id = ANY(ARRAY(SELECT id FROM due))
  RETURNING id, user_id, type, task_id, task, at, attempts`

/** The claim as a statement's text, so its plan can be inspected. */
export const CLAIM_STATEMENT = CLAIM

export const layer: Layer.Layer<WebhookOutbox, never, Statements> = Layer.effect(
  WebhookOutbox,
  Effect.map(Statements, ({ rows }) =>
    WebhookOutbox.of({
      setEnabled: (enabled) => Effect.asVoid(rows("UPDATE webhook_settings SET enabled = $1", [enabled])),
      claim: (limit, lease) =>
        Effect.map(rows<DeliveryRow>(CLAIM, [limit, Duration.toMillis(lease)]), (claimed) => claimed.map(toDelivery)),
      // Only while the claim is still ours: a delivery whose lease ran out may be another process's now.
      delivered: (delivery) =>
        Effect.asVoid(rows("DELETE FROM webhook_deliveries WHERE id = $1 AND attempts = $2", [delivery.id, delivery.attempts])),
      attemptFailed: (delivery, error, retryIn) =>
        Effect.asVoid(rows(
          `UPDATE webhook_deliveries SET last_error = $3,
             next_attempt_at = CASE WHEN $4::float8 IS NULL THEN next_attempt_at
               ELSE statement_timestamp() + $4::float8 * interval '1 millisecond' END,
             failed_at = CASE WHEN $4::float8 IS NULL THEN statement_timestamp() END
           WHERE id = $1 AND attempts = $2`,
          [delivery.id, delivery.attempts, error.slice(0, 1000), Option.getOrNull(Option.map(retryIn, Duration.toMillis))]
        )),
      list: (limit) =>
        Effect.map(
          rows<StatusRow>(
            `SELECT id, user_id, type, task_id, created_at, attempts, next_attempt_at, failed_at, last_error
             FROM webhook_deliveries ORDER BY created_at, id LIMIT $1`,
            [limit]
          ),
          (found) => found.map(toStatus)
        ),
      retry: (which) =>
        Effect.map(
          rows<{ id: string }>(
            `UPDATE webhook_deliveries SET attempts = 0, failed_at = NULL, next_attempt_at = statement_timestamp()
             WHERE ${which === "failed" ? "failed_at IS NOT NULL" : "id::text = $1"} RETURNING id`,
            which === "failed" ? [] : [which.id]
          ),
          (retried) => retried.length
        )
    }))
)
