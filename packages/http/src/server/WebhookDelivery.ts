/**
 * Delivers the webhook outbox from this process: due deliveries are claimed under a lease (one
 * process makes each attempt), POSTed signed per Standard Webhooks and retried on core's
 * schedule. It runs on its own fibers with a bounded number of requests in flight, so a slow or
 * dead receiver holds only them, never the API's requests.
 */
import type { WebhookConfig } from "@todo/config"
import { TaskChange, type WebhookDelivery, WebhookOutbox, webhookRetryDelay } from "@todo/core"
import { Cause, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Webhook } from "standardwebhooks"

/** Requests in flight at once, per process. */
const CONCURRENCY = 16
/** How often the outbox is looked at when the last look found less than a full batch. */
const POLL = Duration.millis(500)
const ATTEMPT_TIMEOUT_MS = 10_000
/** Past the attempt's timeout: a claim outlives its attempt unless the process died. */
const LEASE_MS = 30_000

const encodeChange = Schema.encodeSync(TaskChange)

/** The JSON body: the change as the feed serves it, plus its owner. */
export const payloadOf = (delivery: WebhookDelivery): string =>
  JSON.stringify({ ...encodeChange(delivery.change), user_id: delivery.user_id })

const describeFailure = (cause: unknown): string => {
  if (cause instanceof Error) {
    const code = (cause.cause as { code?: unknown } | undefined)?.code
    return typeof code === "string" ? `${cause.message} (${code})` : cause.message
  }
  return String(cause)
}

/** Webhooks on: this process turns deliveries on for every writer, and delivers. */
export const layer = (settings: WebhookConfig.WebhookConfig) =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const outbox = yield* WebhookOutbox
    yield* outbox.setEnabled(true)
    const signer = new Webhook(Redacted.value(settings.secret))
    const url = settings.url.href
    const timeout = Duration.millis(ATTEMPT_TIMEOUT_MS * settings.timeScale)
    const lease = Duration.millis(LEASE_MS * settings.timeScale)
    const scaled = (delay: Duration.Duration) => Duration.millis(Duration.toMillis(delay) * settings.timeScale)

    const post = (delivery: WebhookDelivery) => {
      const body = payloadOf(delivery)
      const sentAt = new Date()
      return Effect.tryPromise({
        try: (signal) =>
          fetch(url, {
            method: "POST",
            body,
            redirect: "manual",
            signal,
            headers: {
              "content-type": "application/json",
              "user-agent": "todo-api-webhooks",
              "webhook-id": delivery.id,
              "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
              "webhook-signature": signer.sign(delivery.id, sentAt, body)
            }
          }).then(async (response) => {
            await response.arrayBuffer().catch(() => undefined)
            return response.status
          }),
        catch: describeFailure
      }).pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => `no answer within ${Duration.format(timeout)}` }),
        Effect.filterOrFail((status) => status >= 200 && status < 300, (status) => `answered ${status}`)
      )
    }

    const deliver = (delivery: WebhookDelivery) =>
      post(delivery).pipe(
        Effect.matchEffect({
          onSuccess: () => outbox.delivered(delivery),
          onFailure: (error) => {
            const retryIn = webhookRetryDelay(delivery.attempts)
            return Effect.logWarning("a webhook delivery failed").pipe(
              Effect.annotateLogs({ webhook_id: delivery.id, attempts: delivery.attempts, error, gave_up: Option.isNone(retryIn) }),
              Effect.zipRight(outbox.attemptFailed(delivery, error, Option.map(retryIn, scaled)))
            )
          }
        })
      )

    const round = Effect.flatMap(
      outbox.claim(CONCURRENCY, lease),
      (claimed) => Effect.as(Effect.forEach(claimed, deliver, { concurrency: CONCURRENCY, discard: true }), claimed.length)
    )

    const loop: Effect.Effect<never> = round.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.interrupt
          : Effect.as(
            Effect.logWarning("the webhook outbox could not be read; trying again").pipe(Effect.annotateLogs("cause", Cause.pretty(cause))),
            0
          )
      ),
      Effect.flatMap((claimed) => (claimed === CONCURRENCY ? Effect.void : Effect.sleep(POLL))),
      Effect.forever
    )
    yield* Effect.forkScoped(loop)
  }))

/** Webhooks off: changes recorded from now on get no delivery. */
export const disabled = Layer.effectDiscard(Effect.flatMap(WebhookOutbox, (outbox) => outbox.setEnabled(false)))
