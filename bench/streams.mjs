/**
 * The event-stream scenario, run by bench/run.mjs as a process of its own (it holds thousands of
 * sockets): opens one `GET /api/{user}/events` stream per user, lets them sit idle, then creates
 * tasks at a steady rate spread over those users and times each from the moment its POST is sent
 * to the moment its event arrives on its user's stream.
 *
 * Usage: node bench/streams.mjs <port> <users file: "id token" lines> <streams> <writes per second> <seconds>
 * Prints one line: BENCH_STREAMS {"opened", "refused", "sent", "written", "delivered", "lost", "latency_ms": {p50, p99, max}, "errors"}
 */
import { readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { performance } from "node:perf_hooks"

const [port, usersFile, streamCount, writesPerSecond, seconds] = process.argv.slice(2)
const users = readFileSync(usersFile, "utf8").trim().split("\n").slice(0, Number(streamCount)).map((line) => {
  const [id, token] = line.split(" ")
  return { id, token }
})

const OPEN_AT_ONCE = 200
const sleep = (ms) => new Promise((done) => setTimeout(done, ms))
const pending = new Map()
const latencies = []
let errors = 0
let refused = 0
let opened = 0

/** One stream: resolves once its response has started; each event naming a pending write completes it. */
const openStream = (user) =>
  new Promise((done) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path: `/api/${user.id}/events`,
      headers: { authorization: `Bearer ${user.token}`, accept: "text/event-stream" },
      agent: false
    }, (res) => {
      if (res.statusCode !== 200) {
        refused++
        res.resume()
        return done()
      }
      opened++
      done()
      let buffered = ""
      res.setEncoding("utf8")
      res.on("data", (chunk) => {
        buffered += chunk
        let end
        while ((end = buffered.indexOf("\n\n")) !== -1) {
          const event = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const marker = /"title":"bench-stream (\d+)"/.exec(event)
          const sentAt = marker && pending.get(marker[1])
          if (sentAt !== undefined && sentAt !== null) {
            latencies.push(performance.now() - sentAt)
            pending.delete(marker[1])
          }
        }
      })
      res.on("error", () => errors++)
    })
    req.on("error", () => {
      errors++
      done()
    })
    req.end()
  })

const writer = new Agent({ keepAlive: true, maxSockets: 50 })
let written = 0

const write = (user, n) =>
  new Promise((done) => {
    const body = JSON.stringify({ title: `bench-stream ${n}` })
    pending.set(String(n), performance.now())
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: `/api/${user.id}/tasks`,
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      agent: writer
    }, (res) => {
      if (res.statusCode === 201) written++
      else errors++
      res.resume()
      res.on("end", done)
    })
    req.on("error", () => {
      errors++
      done()
    })
    req.end(body)
  })

for (let i = 0; i < users.length; i += OPEN_AT_ONCE) await Promise.all(users.slice(i, i + OPEN_AT_ONCE).map(openStream))
await sleep(2000)

const interval = 1000 / Number(writesPerSecond)
const total = Math.round(Number(writesPerSecond) * Number(seconds))
const started = performance.now()
const writes = []
for (let n = 0; n < total; n++) {
  const due = started + n * interval
  const wait = due - performance.now()
  if (wait > 0) await sleep(wait)
  writes.push(write(users[(n * 7919) % users.length], n))
}
await Promise.all(writes)
await sleep(3000)

const sorted = latencies.sort((a, b) => a - b)
const at = (q) => sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
console.log(`BENCH_STREAMS ${
  JSON.stringify({
    opened,
    refused,
    sent: total,
    written,
    delivered: sorted.length,
    lost: pending.size,
    latency_ms: { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? null },
    errors
  })
}`)
process.exit(0)
