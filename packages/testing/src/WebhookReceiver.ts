/**
 * A real HTTP receiver of webhooks on a free port, as a frontend's server would run one: it
 * verifies every request with `standardwebhooks` and keeps what arrived. Its mode says how it
 * answers: `up` 204, `down` 503, `hang` never.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Webhook } from "standardwebhooks"
import { freePort } from "./FreePort.js"

export interface ReceivedWebhook {
  readonly id: string
  readonly body: string
  /** Parsed, once the signature verified. */
  readonly payload: Record<string, unknown> | undefined
  readonly verified: boolean
  readonly answered: "up" | "down" | "hang"
  readonly headers: Record<string, string>
}

export interface WebhookReceiver {
  readonly url: string
  readonly received: Array<ReceivedWebhook>
  mode: "up" | "down" | "hang"
  /** The ids answered 2xx, each as often as it was. */
  readonly acceptedIds: () => Array<string>
  /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
  readonly waitFor: (predicate: () => boolean, timeoutMs: number, what: string) => Promise<void>
  readonly close: () => Promise<void>
}

export const startWebhookReceiver = async (secret: string): Promise<WebhookReceiver> => {
  const verifier = new Webhook(secret)
  const hanging = new Set<ServerResponse>()
  const received: Array<ReceivedWebhook> = []
  const state = { mode: "up" as "up" | "down" | "hang" }
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ""
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]))
      let payload: Record<string, unknown> | undefined
      try {
        payload = verifier.verify(body, headers) as Record<string, unknown>
      } catch {
        payload = undefined
      }
      const answered = state.mode
      received.push({ id: headers["webhook-id"] ?? "", body, payload, verified: payload !== undefined, answered, headers })
      if (answered === "hang") {
        hanging.add(response)
        return
      }
      response.writeHead(payload === undefined ? 400 : answered === "up" ? 204 : 503).end()
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    get mode() {
      return state.mode
    },
    set mode(mode) {
      state.mode = mode
    },
    acceptedIds: () => received.filter((item) => item.verified && item.answered === "up").map((item) => item.id),
    waitFor: async (predicate, timeoutMs, what) => {
      for (const started = Date.now(); !predicate(); await new Promise((resolve) => setTimeout(resolve, 100))) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
      }
    },
    close: async () => {
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  return receiver
}
