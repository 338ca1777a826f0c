/**
 * Webhooks: while they are on, every change the store records also gets a delivery in an outbox,
 * in the same transaction. Deliveries are claimed under a lease (one process delivers each; a
 * crashed process's claims come due again when the lease ends) and retried on a fixed schedule.
 */
import { Context, type DateTime, Duration, type Effect, Option } from "effect"
import type { TaskChange } from "./TaskChange.js"
import type { UserId } from "./Task.js"
import type { RepositoryUnavailable } from "./TaskErrors.js"

/** A delivery to make: its id is the `webhook-id`, the same on every attempt. */
export interface WebhookDelivery {
  readonly id: string
  readonly user_id: UserId
  readonly change: TaskChange
  /** Attempts made, this one included. */
  readonly attempts: number
}

/** A delivery as an operator sees it. */
export interface WebhookDeliveryStatus {
  readonly id: string
  readonly user_id: UserId
  readonly type: TaskChange["type"]
  readonly task_id: number
  readonly created_at: DateTime.Utc
  readonly attempts: number
  readonly status: "pending" | "failed"
  readonly next_attempt_at: DateTime.Utc | null
  readonly last_error: string | null
}

export interface WebhookOutboxShape {
  /** Whether changes recorded from now on get a delivery (every process and tool writing to the store sees it). */
  readonly setEnabled: (enabled: boolean) => Effect.Effect<void, RepositoryUnavailable>
  /** At most `limit` due deliveries, each counted as an attempt and leased to the caller until `lease` has passed. */
  readonly claim: (limit: number, lease: Duration.Duration) => Effect.Effect<ReadonlyArray<WebhookDelivery>, RepositoryUnavailable>
  /** The receiver took it: it leaves the outbox. */
  readonly delivered: (delivery: WebhookDelivery) => Effect.Effect<void, RepositoryUnavailable>
  /** The attempt failed: tried again after `retryIn`, or marked failed when none. A stale claim changes nothing. */
  readonly attemptFailed: (
    delivery: WebhookDelivery,
    error: string,
    retryIn: Option.Option<Duration.Duration>
  ) => Effect.Effect<void, RepositoryUnavailable>
  /** Pending and failed deliveries, oldest first, at most `limit`. */
  readonly list: (limit: number) => Effect.Effect<ReadonlyArray<WebhookDeliveryStatus>, RepositoryUnavailable>
  /** Makes deliveries due now with a fresh schedule: one by id, or every failed one; counts them. */
  readonly retry: (which: { readonly id: string } | "failed") => Effect.Effect<number, RepositoryUnavailable>
}

export class WebhookOutbox extends Context.Tag("@todo/core/WebhookOutbox")<WebhookOutbox, WebhookOutboxShape>() {}

/** Attempts before a delivery is marked failed: the retries below span more than 24 hours. */
export const WEBHOOK_MAX_ATTEMPTS = 13

/**
 * When to try again after `attempts` failed ones: twice within the first minute (10 s, then
 * 40 s later), then 2 minutes doubling up to about 8.5 hours, for 25.6 hours in all; none
 * after the last attempt.
 */
export const webhookRetryDelay = (attempts: number): Option.Option<Duration.Duration> => {
  if (attempts >= WEBHOOK_MAX_ATTEMPTS) return Option.none()
  if (attempts <= 1) return Option.some(Duration.seconds(10))
  if (attempts === 2) return Option.some(Duration.seconds(40))
  return Option.some(Duration.minutes(2 * 2 ** Math.min(attempts - 3, 8)))
}
