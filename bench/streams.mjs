/**
 * The open-streams scenario of `pnpm bench`: our API on a fresh PostgreSQL database holds N idle
 * event streams (10 per user, the most one user may open), while 100 writes a second, spread
 * over those users, go through the same process. Reports the time from sending a write to its
 * event arriving on each of its user's streams (p50/p99/max) and the server's peak RSS.
 *
 * Options: --streams=N (default 1000 and 10000, one after the other), --duration=S (default 10),
 * --rate=W (writes a second, default 100). Env: BENCH_DATABASE_URL as for bench/run.mjs.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { createServer } from "node:net"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { SignJWT } from "jose"
import pg from "pg"

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const API_ENTRY = join(ROOT, "packages/http/dist/bundle/todo-api.js")
const option = (name) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1]
const COUNTS = option("streams") === undefined ? [1_000, 10_000] : [Number(option("streams"))]
const DURATION_S = Number(option("duration") ?? 10)
const RATE = Number(option("rate") ?? 100)
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const PER_USER = 10
const OPEN_CONCURRENCY = 200
const secret = randomBytes(48).toString("base64url")
const sleep = (ms) => new Promise((done) => setTimeout(done, ms))

const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer()
    probe.on("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address()
      probe.close(() => done(port))
    })
  })

const admin = async (statement) => {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

const rssKbOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0)

const startApi = async (databaseUrl) => {
  const port = await freePort()
  const child = spawn("bash", ["-c", `ulimit -n 65535 2>/dev/null || true; exec node "$0"`, API_ENTRY], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      BETTER_AUTH_SECRET: secret,
      LOG_LEVEL: "warn",
      RATE_LIMIT_PER_MINUTE: "0"
    },
    stdio: ["ignore", "ignore", "inherit"]
  })
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    const ready = await fetch(`http://127.0.0.1:${port}/api/ready`).then((response) => response.ok, () => false)
    if (ready) return { port, pid: child.pid, stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGTERM"))) }
  }
  child.kill("SIGKILL")
  throw new Error("todo-api did not become ready")
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN

const scenario = async (count) => {
  const name = `todo_bench_streams_${process.pid}_${count}`
  await admin(`CREATE DATABASE "${name}"`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  const api = await startApi(url.toString())
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const streams = []
  try {
    const users = Array.from({ length: Math.ceil(count / PER_USER) }, (_, i) => `bench-stream-${i}`)
    const tokens = new Map()
    for (const user of users) {
      tokens.set(
        user,
        await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(user).setExpirationTime("2h")
          .sign(new TextEncoder().encode(secret))
      )
    }
    const sentAt = new Map()
    const latencies = []
    const open = (user) =>
      new Promise((done, fail) => {
        const req = request({
          host: "127.0.0.1",
          port: api.port,
          path: `/api/${user}/events`,
          headers: { authorization: `Bearer ${tokens.get(user)}` },
          agent: false
        }, (response) => {
          if (response.statusCode !== 200) return fail(new Error(`stream answered ${response.statusCode}`))
          response.setEncoding("utf8")
          let pending = ""
          response.on("data", (chunk) => {
            pending += chunk
            for (let end = pending.indexOf("\n\n"); end !== -1; end = pending.indexOf("\n\n")) {
              const frame = pending.slice(0, end)
              pending = pending.slice(end + 2)
              const title = /"title":"(w\d+)"/.exec(frame)?.[1]
              const sent = title === undefined ? undefined : sentAt.get(title)
              if (sent !== undefined) latencies.push(performance.now() - sent)
            }
          })
          streams.push(req)
          done()
        })
        req.on("error", fail)
        req.end()
      })
    const baseRss = rssKbOf(api.pid)
    const order = Array.from({ length: count }, (_, i) => users[i % users.length])
    for (let i = 0; i < order.length; i += OPEN_CONCURRENCY) await Promise.all(order.slice(i, i + OPEN_CONCURRENCY).map(open))
    await sleep(1_000)
    const idleRss = rssKbOf(api.pid)
    let peakRss = idleRss
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKbOf(api.pid))), 100)
    let errors = 0
    const writes = RATE * DURATION_S
    const started = performance.now()
    const inFlight = []
    for (let i = 0; i < writes; i++) {
      const due = started + (i * 1000) / RATE
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const user = users[i % users.length]
      const title = `w${i}`
      sentAt.set(title, performance.now())
      inFlight.push(
        fetch(`http://127.0.0.1:${api.port}/api/${user}/tasks`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens.get(user)}`, "content-type": "application/json" },
          body: JSON.stringify({ title })
        }).then((response) => (response.status === 201 ? response.arrayBuffer() : errors++), () => errors++)
      )
    }
    await Promise.all(inFlight)
    await sleep(2_000)
    clearInterval(sampler)
    const expected = writes * Math.min(PER_USER, count)
    const sorted = latencies.sort((a, b) => a - b)
    return {
      streams: count,
      writes,
      delivered: `${latencies.length}/${expected}`,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1],
      rss: { base: baseRss / 1024, idle: idleRss / 1024, peak: peakRss / 1024 },
      errors: errors + (expected - latencies.length)
    }
  } finally {
    for (const stream of streams) stream.destroy()
    agent.destroy()
    await api.stop()
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  }
}

export const runStreamScenarios = async () => {
  const results = []
  for (const count of COUNTS) results.push(await scenario(count))
  console.log(`\nOpen event streams (${RATE} writes/s for ${DURATION_S} s, ${PER_USER} streams per user)`)
  console.log("streams  delivered        write→stream p50  p99      max      RSS idle  RSS peak  errors")
  for (const r of results) {
    console.log(
      `${String(r.streams).padEnd(8)} ${r.delivered.padEnd(16)} ${r.p50.toFixed(1).padStart(8)} ms ${r.p99.toFixed(1).padStart(6)} ms ${
        r.max.toFixed(1).padStart(6)
      } ms ${r.rss.idle.toFixed(0).padStart(5)} MB  ${r.rss.peak.toFixed(0).padStart(5)} MB  ${r.errors}`
    )
  }
  const big = results.find((r) => r.streams === 10_000)
  if (big !== undefined) {
    console.log(`Target: p99 write→stream < 250 ms with 10,000 streams: ${big.p99.toFixed(1)} ms ${big.p99 < 250 ? "PASS" : "FAIL"}`)
    console.log(`Target: peak RSS < 250 MB with 10,000 streams: ${big.rss.peak.toFixed(0)} MB ${big.rss.peak < 250 ? "PASS" : "FAIL"}`)
    console.log(`Target: errors 0: ${big.errors} ${big.errors === 0 ? "PASS" : "FAIL"}`)
  }
  return results
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runStreamScenarios()
