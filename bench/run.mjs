/**
 * `pnpm bench`: our API against a bare node:http + pg + jose baseline (bench/baseline.mjs), on
 * real PostgreSQL, with wrk driving the mixed workload of bench/workload.lua. Each server gets
 * its own fresh database, the same seed (1,000 users x 20 tasks through the API, plus one user
 * with 100,000 tasks inserted in SQL) and the same scenarios; the databases are dropped at the end.
 *
 * Scenarios, after a restart on the seeded databases: the seeds' load first (1,000 users on
 * keep-alive connections, each waiting 1.5-4.5 s before every request), then the mix closed-loop
 * at 100 connections (saturation), each operation alone, and list latency; before seeding, the RSS
 * of 500, 1,000 and 2,000 idle keep-alive connections. Each reports the server's RSS and CPU and
 * the CPU of the PostgreSQL backends serving its database (from /proc, when PostgreSQL is local).
 *
 * Ours alone then holds 1,000 and 10,000 idle event streams while tasks are created at 100 a
 * second over their users (bench/streams.mjs): how long each takes to reach its stream, and RSS.
 *
 * Options: --cluster (also run one worker per core), --workers=N (that many workers),
 * --only=api|baseline, --duration=S (seconds per closed-loop scenario, default 10),
 * --users-duration=S (seconds of the seeds' load, default 30).
 * Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; needs CREATEDB),
 * BENCH_LOG_LEVEL (our LOG_LEVEL, default warn), BENCH_NODE_ARGS (node flags for both servers,
 * e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a run), BENCH_REDIS_URL (ours counts its
 * rate limit in this Redis, as several instances would; unset, in process).
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { Agent, request as httpRequest } from "node:http"
import { createServer } from "node:net"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { SignJWT } from "jose"
import pg from "pg"

const BENCH = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(BENCH, "..")
const API_ENTRY = join(ROOT, "packages/http/dist/bundle/todo-api.js")

const option = (name) => process.argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))?.split("=")[1]
const DURATION = Number(option("duration") ?? 10)
const USERS_DURATION = Number(option("users-duration") ?? 30)
const WORKERS = option("workers") !== undefined
  ? Number(option("workers"))
  : process.argv.includes("--cluster")
  ? availableParallelism()
  : 0
const ONLY = option("only")
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "warn"
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter((arg) => arg !== "")
const REDIS_URL = process.env.BENCH_REDIS_URL || undefined

const USERS = 1000
const TASKS_PER_USER = 20
const BIG_USER_TASKS = 100_000
const SEED_CONCURRENCY = 64
const CONNECTIONS = [100]
/** The seeds' "1,000 concurrent users": each acts, then thinks 1.5 to 4.5 s. */
const USERS_LOAD = { connections: 1000, think: "1500-4500" }
const USERS_SCENARIO = `users c=${USERS_LOAD.connections} think ${USERS_LOAD.think} ms`
const IDLE_CONNECTIONS = [500, 1000, 2000]
const IDLE_SECONDS = 4
/** Each operation alone, to see what each costs PostgreSQL (and the server). */
const OPERATIONS = ["list", "get", "create", "update", "toggle"]
const OPERATION_CONNECTIONS = 50
const OPERATION_SECONDS = 4
const STREAMS = [1000, 10_000]
const STREAM_WRITES_PER_SECOND = 100
const WRK_THREADS = 2
const WRK_TIMEOUT = "5s"
const LIST_QUERY = "?limit=20"
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100)
const RAISE_FILES = "ulimit -n 65535 2>/dev/null || true"

const work = mkdtempSync(join(tmpdir(), "todo-bench-"))
const secret = randomBytes(48).toString("base64url")
const runId = `${process.pid}_${Date.now().toString(36)}`
const createdDatabases = []

const sleep = (ms) => new Promise((done) => setTimeout(done, ms))
const log = (...parts) => console.error("·", ...parts)

// --- tools ---------------------------------------------------------------------------------

const ensureWrk = () => {
  if (spawnSync("bash", ["-c", "command -v wrk"]).status === 0) return
  log("wrk is missing: apt-get install -y wrk")
  const install = () => spawnSync("apt-get", ["install", "-y", "wrk"], { stdio: "ignore" }).status === 0
  if (install()) return
  spawnSync("apt-get", ["update"], { stdio: "ignore" })
  if (!install()) throw new Error("could not install wrk (apt-get install -y wrk needs root); install it and rerun")
}

const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer()
    probe.on("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address()
      probe.close(() => done(port))
    })
  })

// --- databases -------------------------------------------------------------------------------

const withAdmin = async (use) => {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}

const createDatabase = async (label) => {
  const name = `todo_bench_${runId}_${label}`
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`))
  createdDatabases.push(name)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

const dropDatabases = () =>
  withAdmin(async (client) => {
    for (const name of createdDatabases.splice(0)) {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    }
  })

/** The user with many tasks goes in by SQL: 100,000 POSTs would dominate the run time. */
const insertBigUser = async (databaseUrl, userId) => {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query(
      `INSERT INTO tasks (user_id, title, description, completed, priority, tags, due_date, created_at, updated_at)
       SELECT $1, 'task ' || g, CASE WHEN g % 3 = 0 THEN 'description ' || g END, g % 4 = 0, g % 3,
              ARRAY['tag' || g % 10], CASE WHEN g % 2 = 0 THEN now() + g * interval '1 minute' END,
              now() - g * interval '1 second', now() - g * interval '1 second'
       FROM generate_series(1, $2::integer) AS g`,
      [userId, BIG_USER_TASKS]
    )
    await client.query("ANALYZE tasks")
  } finally {
    await client.end()
  }
}

// --- process sampling ----------------------------------------------------------------------

const readStat = (pid) => {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }
}

const treeOf = (root) => {
  const parents = new Map()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      parents.set(Number(entry), readStat(entry).ppid)
    } catch {
      // gone between readdir and read
    }
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid)
  }
  return tree
}

const rssKb = (pid, field = "VmRSS") => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return match ? Number(match[1]) : 0
}

/** RSS (kB) and CPU ticks of a process and all its descendants, right now. */
const usageOf = (root) => {
  let rss = 0
  let ticks = 0
  for (const pid of treeOf(root)) {
    try {
      rss += rssKb(pid)
      ticks += readStat(pid).ticks
    } catch {
      // exited
    }
  }
  return { rss, ticks }
}

/**
 * CPU ticks of each PostgreSQL backend serving `database`, by pid: the server's share of
 * PostgreSQL. Empty when PostgreSQL runs elsewhere (its pids are not in this /proc).
 */
const backendTicks = (database) =>
  withAdmin(async (client) => {
    const { rows } = await client.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [database])
    const ticks = new Map()
    for (const { pid } of rows) {
      try {
        ticks.set(pid, readStat(pid).ticks)
      } catch {
        // not on this machine, or exited
      }
    }
    return ticks
  })

/** Ticks the backends used between two readings; a backend that started meanwhile counts whole. */
const ticksBetween = (before, after) => {
  let ticks = 0
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0)
  return ticks
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]
}

/**
 * Samples a server while `during` runs: peak RSS, steady RSS (the median of the second half's
 * samples), CPU seconds used by the server and by its database's backends, and wall seconds.
 */
const sampled = async (server, during) => {
  const backendsBefore = await backendTicks(server.database)
  const start = usageOf(server.pid)
  const startedAt = process.hrtime.bigint()
  let peakRss = start.rss
  const samples = []
  const timer = setInterval(() => {
    const { rss } = usageOf(server.pid)
    peakRss = Math.max(peakRss, rss)
    samples.push({ at: Number(process.hrtime.bigint() - startedAt) / 1e9, rss })
  }, 100)
  try {
    const result = await during()
    const end = usageOf(server.pid)
    const wall = Number(process.hrtime.bigint() - startedAt) / 1e9
    clearInterval(timer)
    const backendsAfter = await backendTicks(server.database)
    peakRss = Math.max(peakRss, end.rss)
    const steadyRss = median(samples.filter((sample) => sample.at >= wall / 2).map((sample) => sample.rss))
    return {
      result,
      startRssMb: start.rss / 1024,
      peakRssMb: peakRss / 1024,
      steadyRssMb: steadyRss / 1024,
      cpuSeconds: (end.ticks - start.ticks) / CLK_TCK,
      pgCpuSeconds: backendsAfter.size === 0 ? NaN : ticksBetween(backendsBefore, backendsAfter) / CLK_TCK,
      wall
    }
  } finally {
    clearInterval(timer)
  }
}

// --- servers -------------------------------------------------------------------------------

const TARGETS = {
  baseline: { label: "baseline", entry: join(BENCH, "baseline.mjs"), readyPath: "/api/health" },
  api: { label: "ours", entry: API_ENTRY, readyPath: "/api/ready" }
}

const startServer = async (target, databaseUrl, workers) => {
  const database = new URL(databaseUrl).pathname.slice(1)
  const port = await freePort()
  const logFile = join(work, `${target.label}-${workers || 1}.log`)
  const out = openSync(logFile, "a")
  const command = workers > 1
    ? ["node", ...NODE_ARGS, join(BENCH, "cluster.mjs"), String(workers), target.entry]
    : ["node", ...NODE_ARGS, target.entry]
  const child = spawn("bash", ["-c", `${RAISE_FILES}; exec "$@"`, "bash", ...command], {
    cwd: work, // no .env of the project is read
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      BETTER_AUTH_SECRET: secret,
      LOG_LEVEL,
      // The list-latency scenario sends one user's requests back to back, far past the default
      // 600 a minute; the limiter still runs on every request, it just never refuses.
      RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
      ...(REDIS_URL === undefined ? {} : { REDIS_URL })
    },
    stdio: ["ignore", out, out]
  })
  closeSync(out)
  let exited = null
  child.on("exit", (code, signal) => {
    exited = { code, signal }
  })
  const server = {
    pid: child.pid,
    port,
    database,
    logFile,
    stop: async () => {
      if (exited) return
      child.kill("SIGTERM")
      for (let i = 0; i < 50 && !exited; i++) await sleep(100)
      if (!exited) child.kill("SIGKILL")
    }
  }
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (exited) break
    const status = await call(port, "GET", target.readyPath).then((r) => r.status, () => 0)
    if (status === 200) return server
    await sleep(200)
  }
  await server.stop()
  const tail = readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n")
  throw new Error(`${target.label} did not become ready on ${target.readyPath}:\n${tail}`)
}

// --- seeding through the API ---------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: SEED_CONCURRENCY })

const call = (port, method, path, token, body) =>
  new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers = {}
    if (token) headers.authorization = `Bearer ${token}`
    if (payload) {
      headers["content-type"] = "application/json"
      headers["content-length"] = Buffer.byteLength(payload)
    }
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      const chunks = []
      res.on("data", (chunk) => chunks.push(chunk))
      res.on("end", () => done({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }))
    })
    req.on("error", fail)
    req.end(payload)
  })

/** A small deterministic generator, so both servers receive exactly the same tasks. */
const generator = (seed) => () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

const makeUsers = async () => {
  const random = generator(42)
  const key = new TextEncoder().encode(secret)
  const users = []
  for (let i = 0; i < USERS + 2; i++) {
    const id = Array.from({ length: 32 }, () => ALPHANUMERIC[Math.floor(random() * ALPHANUMERIC.length)]).join("")
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(id).setIssuedAt()
      .setExpirationTime("2h").sign(key)
    users.push({ id, token })
  }
  const streams = []
  for (let i = 0; i < Math.max(...STREAMS); i++) {
    const id = `stream-user-${i}`
    streams.push({ id, token: await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(id).setExpirationTime("2h").sign(key) })
  }
  // The last two: one small user and one big user for the list-scaling measurement.
  return { workload: users.slice(0, USERS), small: users[USERS], big: users[USERS + 1], streams }
}

const taskBody = (random, n) => {
  const body = { title: `Seeded task ${n}`, priority: ["low", "medium", "high"][Math.floor(random() * 3)] }
  if (random() < 0.5) body.description = `Description of task ${n}, with a few words to make it realistic.`
  if (random() < 0.5) body.tags = ["home", "work", "errand", "later"].filter(() => random() < 0.5)
  if (random() < 0.3) body.due_date = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 365) * 86_400_000).toISOString()
  if (random() < 0.2) body.completed = true
  return body
}

const seed = async (port, users) => {
  const random = generator(7)
  const jobs = users.flatMap((user) => Array.from({ length: TASKS_PER_USER }, (_, n) => ({ user, body: taskBody(random, n) })))
  const ids = new Map(users.map((user) => [user.id, []]))
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const { user, body } = jobs[next++]
      const response = await call(port, "POST", `/api/${user.id}/tasks`, user.token, body)
      if (response.status !== 201) throw new Error(`seeding: POST answered ${response.status}: ${response.text.slice(0, 300)}`)
      ids.get(user.id).push(JSON.parse(response.text).id)
    }
  }
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker))
  return ids
}

const writeUsersFile = (name, users, ids) => {
  const file = join(work, name)
  writeFileSync(file, users.map((user) => `${user.id} ${user.token} ${(ids.get(user.id) ?? []).join(",")}\n`).join(""))
  return file
}

// --- wrk -----------------------------------------------------------------------------------

const wrk = ({ port, connections, seconds, threads = WRK_THREADS, usersFile, mode, query = "", think = "", timeout = WRK_TIMEOUT }) =>
  new Promise((done, fail) => {
    const args = [
      `-t${threads}`,
      `-c${connections}`,
      `-d${seconds}s`,
      "--timeout",
      timeout,
      "-s",
      join(BENCH, "workload.lua"),
      `http://127.0.0.1:${port}`,
      "--",
      usersFile,
      mode,
      query,
      think
    ]
    const child = spawn("bash", ["-c", `${RAISE_FILES}; exec wrk "$@"`, "bash", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("exit", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "))
      if (!line) return fail(new Error(`wrk exited ${code} without a result:\n${stdout}\n${stderr}`))
      done(JSON.parse(line.slice("BENCH_RESULT ".length)))
    })
  })

const figuresOf = ({ result, startRssMb, peakRssMb, steadyRssMb, cpuSeconds, pgCpuSeconds, wall }) => {
  const seconds = result.duration_us / 1e6
  const socketErrors = result.errors.connect + result.errors.read + result.errors.write + result.errors.timeout
  const non2xx = Object.values(result.non2xx).reduce((a, b) => a + b, 0)
  return {
    rps: result.requests / seconds,
    p50: result.latency_us.p50 / 1000,
    p90: result.latency_us.p90 / 1000,
    p99: result.latency_us.p99 / 1000,
    max: result.latency_us.max / 1000,
    non2xx,
    statuses: result.non2xx,
    socketErrors,
    socketErrorsByKind: {
      connect: result.errors.connect,
      read: result.errors.read,
      write: result.errors.write,
      timeout: result.errors.timeout
    },
    startRssMb,
    peakRssMb,
    steadyRssMb,
    cpuPercent: (cpuSeconds / wall) * 100,
    cpuMsPerRequest: (cpuSeconds * 1000) / result.requests,
    pgCpuPercent: (pgCpuSeconds / wall) * 100,
    pgCpuMsPerRequest: (pgCpuSeconds * 1000) / result.requests,
    operations: result.operations
  }
}

const scenario = async (server, options) => figuresOf(await sampled(server, () => wrk({ port: server.port, ...options })))

// --- the run: servers side by side, scenarios interleaved ------------------------------------

/** Starts one server on a fresh database, records its idle memory and seeds it. */
const prepare = async (key, users) => {
  const target = TARGETS[key]
  const databaseUrl = await createDatabase(key)
  log(`${target.label}: starting`)
  const server = await startServer(target, databaseUrl, 1)
  try {
    await sleep(1000)
    const results = { idleRssMb: usageOf(server.pid).rss / 1024, scenarios: {}, list: {}, operations: {} }
    log(`${target.label}: ${IDLE_CONNECTIONS.join(", ")} idle keep-alive connections`)
    results.idle = await idleConnections(server, writeUsersFile(`${key}-unseeded.txt`, users.workload, new Map()))
    log(`${target.label}: seeding ${USERS} users x ${TASKS_PER_USER} tasks through the API`)
    const seedStart = Date.now()
    const ids = await seed(server.port, [...users.workload, users.small])
    results.seedSeconds = (Date.now() - seedStart) / 1000
    await insertBigUser(databaseUrl, users.big.id)
    const files = {
      users: writeUsersFile(`${key}-users.txt`, users.workload, ids),
      small: writeUsersFile(`${key}-small.txt`, [users.small], ids),
      big: writeUsersFile(`${key}-big.txt`, [users.big], ids)
    }
    return { key, target, databaseUrl, server, files, results }
  } catch (error) {
    await server.stop()
    throw error
  }
}

const warmUp = (run) => wrk({ port: run.server.port, connections: 100, seconds: 3, usersFile: run.files.users, mode: "mix" })

/**
 * Each scenario runs against every server in turn before the next scenario starts, so a
 * busy neighbour on the machine skews both sides of a ratio alike.
 */
const interleaved = async (runs, suffix) => {
  // The seeds' load first, on servers just started: a closed loop before it would leave its heap behind.
  for (const run of runs) {
    log(`${run.target.label}${suffix}: ${USERS_LOAD.connections} users thinking ${USERS_LOAD.think} ms, ${USERS_DURATION} s`)
    run.results.scenarios[`${USERS_SCENARIO}${suffix}`] = await scenario(run.server, {
      connections: USERS_LOAD.connections,
      seconds: USERS_DURATION,
      usersFile: run.files.users,
      mode: "mix",
      think: USERS_LOAD.think,
      // wrk counts a connection as timed out while it thinks past the timeout.
      timeout: "10s"
    })
  }
  for (const run of runs) {
    log(`${run.target.label}${suffix}: warm-up`)
    await warmUp(run)
  }
  for (const connections of CONNECTIONS) {
    for (const run of runs) {
      log(`${run.target.label}${suffix}: mix at ${connections} connections, ${DURATION} s`)
      run.results.scenarios[`mix c=${connections}${suffix}`] = await scenario(run.server, {
        connections,
        seconds: DURATION,
        usersFile: run.files.users,
        mode: "mix"
      })
    }
  }
}

/**
 * RSS with that many keep-alive connections open, each having made one request (a list, empty
 * before seeding), then quiet: what a connection costs between requests.
 */
const idleConnections = async (server, usersFile) => {
  const rss = { 0: usageOf(server.pid).rss / 1024 }
  for (const connections of IDLE_CONNECTIONS) {
    const figures = await scenario(server, {
      connections,
      seconds: IDLE_SECONDS,
      usersFile,
      mode: "idle",
      query: LIST_QUERY,
      think: String(Math.ceil(connections / WRK_THREADS))
    })
    rss[connections] = figures.steadyRssMb
  }
  return rss
}

const byOperation = async (runs) => {
  for (const operation of OPERATIONS) {
    for (const run of runs) {
      log(`${run.target.label}: ${operation} alone, ${OPERATION_CONNECTIONS} connections, ${OPERATION_SECONDS} s`)
      run.results.operations[operation] = await scenario(run.server, {
        connections: OPERATION_CONNECTIONS,
        seconds: OPERATION_SECONDS,
        usersFile: run.files.users,
        mode: operation,
        query: LIST_QUERY
      })
    }
  }
}

const runStreams = (port, usersFile, streams, seconds) =>
  new Promise((done, fail) => {
    const args = [join(BENCH, "streams.mjs"), String(port), usersFile, String(streams), String(STREAM_WRITES_PER_SECOND), String(seconds)]
    const child = spawn("bash", ["-c", `${RAISE_FILES}; exec node "$@"`, "bash", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("exit", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_STREAMS "))
      if (!line) return fail(new Error(`streams.mjs exited ${code} without a result:\n${stdout}\n${stderr}`))
      done(JSON.parse(line.slice("BENCH_STREAMS ".length)))
    })
  })

/** Ours only: the baseline serves no event streams. One user per stream, each with a token of its own. */
const eventStreams = async (run, users) => {
  const file = join(work, "stream-users.txt")
  writeFileSync(file, users.map((user) => `${user.id} ${user.token}\n`).join(""))
  run.results.streams = {}
  for (const streams of STREAMS) {
    log(`${run.target.label}: ${streams.toLocaleString("en")} idle event streams, ${STREAM_WRITES_PER_SECOND} writes/s, ${DURATION} s`)
    const { result, peakRssMb } = await sampled(run.server, () => runStreams(run.server.port, file, streams, DURATION))
    run.results.streams[streams] = { ...result, peakRssMb }
  }
}

const LIST_CASES = [["20 tasks", "small"], [`${BIG_USER_TASKS.toLocaleString("en")} tasks`, "big"]]

const listLatency = async (runs) => {
  for (const [name, file] of LIST_CASES) {
    for (const run of runs) {
      log(`${run.target.label}: list latency, one user with ${name}`)
      run.results.list[name] = await scenario(run.server, {
        connections: 10,
        threads: 1,
        seconds: 5,
        usersFile: run.files[file],
        mode: "list",
        query: LIST_QUERY
      })
    }
  }
}

const benchmark = async (keys, users) => {
  const runs = []
  const results = {}
  try {
    for (const key of keys) {
      try {
        runs.push(await prepare(key, users))
      } catch (error) {
        console.log(`${TARGETS[key].label} left out: ${error.message}`)
      }
    }
    // Restarted on their seeded databases, so the scenarios start from a production start, not from the seeding's heap.
    for (const run of runs) {
      await run.server.stop()
      run.server = await startServer(run.target, run.databaseUrl, 1)
    }
    await interleaved(runs, "")
    await byOperation(runs)
    await listLatency(runs)
    const ours = runs.find((run) => run.key === "api")
    if (ours) await eventStreams(ours, users.streams)
    for (const run of runs) {
      run.results.peakRssMb = Math.max(...Object.values(run.results.scenarios).map((s) => s.peakRssMb))
      run.results.hwmMb = rssKb(run.server.pid, "VmHWM") / 1024
      results[run.key] = run.results
      await run.server.stop()
    }
    if (WORKERS > 1) {
      for (const run of runs) {
        log(`${run.target.label}: starting ${WORKERS} workers`)
        run.server = await startServer(run.target, run.databaseUrl, WORKERS)
      }
      await interleaved(runs, ` x${WORKERS}`)
    }
  } finally {
    for (const run of runs) await run.server.stop()
  }
  return results
}

// --- report --------------------------------------------------------------------------------

const fixed = (digits) => (n) => n === undefined || n === null || Number.isNaN(n) ? "-" : n.toFixed(digits)
const whole = (n) => n === undefined || n === null ? "-" : Math.round(n).toLocaleString("en")
const ratio = (a, b) => a === undefined || b === undefined || b === 0 ? "-" : `${(a / b).toFixed(2)}x`

const table = (header, rows) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ")
  console.log(line(header))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const row of rows) console.log(line(row))
  console.log()
}

const COLUMNS = [
  ["req/s", "rps", whole],
  ["p50 ms", "p50", fixed(1)],
  ["p90 ms", "p90", fixed(1)],
  ["p99 ms", "p99", fixed(1)],
  ["max ms", "max", fixed(0)],
  ["non-2xx", "non2xx", whole],
  ["sock err", "socketErrors", whole],
  ["peak RSS MB", "peakRssMb", fixed(0)],
  ["steady RSS MB", "steadyRssMb", fixed(0)],
  ["CPU %", "cpuPercent", fixed(0)],
  ["CPU ms/req", "cpuMsPerRequest", fixed(3)],
  ["PG CPU %", "pgCpuPercent", fixed(0)],
  ["PG ms/req", "pgCpuMsPerRequest", fixed(3)]
]

const streamTargets = (s) => {
  if (s === undefined) return [["event streams", "not measured", false]]
  const failures = s.refused + s.errors + s.lost + (s.sent - s.written)
  return [
    [
      "10,000 streams: one write to its stream, p99 < 250 ms",
      `${fixed(1)(s.latency_ms.p99)} ms`,
      s.latency_ms.p99 !== null && s.latency_ms.p99 < 250
    ],
    ["10,000 idle streams: peak RSS < 250 MB", `${s.peakRssMb.toFixed(0)} MB`, s.peakRssMb < 250],
    ["10,000 streams: 0 refused, failed or lost", `${failures}`, failures === 0 && s.opened === Math.max(...STREAMS)]
  ]
}

const report = (results) => {
  const ours = results.api
  const base = results.baseline
  const scenarioRows = []
  const names = [...new Set([...Object.keys(ours?.scenarios ?? {}), ...Object.keys(base?.scenarios ?? {})])]
  for (const name of names) {
    const a = ours?.scenarios[name]
    const b = base?.scenarios[name]
    if (a) scenarioRows.push([name, "ours", ...COLUMNS.map(([, k, f]) => f(a[k]))])
    if (b) scenarioRows.push([name, "baseline", ...COLUMNS.map(([, k, f]) => f(b[k]))])
    if (a && b) {
      scenarioRows.push([
        name,
        "ours/baseline",
        ...COLUMNS.map(([, k]) => (["non2xx", "socketErrors"].includes(k) ? "" : ratio(a[k], b[k])))
      ])
    }
  }
  console.log(
    `\nMixed workload (60% list, 15% get, 10% create, 10% update, 5% toggle), wrk ${WRK_THREADS} threads, keep-alive: ` +
      `mix closed-loop for ${DURATION} s; users (the seeds' load) for ${USERS_DURATION} s. ` +
      "Steady RSS: the median of the second half; PG: the CPU of the backends of the server's own database"
  )
  table(["scenario", "server", ...COLUMNS.map(([h]) => h)], scenarioRows)

  for (const [label, r] of [["ours", ours], ["baseline", base]]) {
    for (const [name, s] of Object.entries(r?.scenarios ?? {})) {
      if (s.non2xx > 0) console.log(`  ${label} ${name}: non-2xx by status ${JSON.stringify(s.statuses)}`)
      if (s.socketErrors > 0) console.log(`  ${label} ${name}: socket errors ${JSON.stringify(s.socketErrorsByKind)}`)
    }
  }

  const operationRows = []
  const OPERATION_COLUMNS = [
    ["req/s", "rps", whole],
    ["p99 ms", "p99", fixed(1)],
    ["CPU ms/req", "cpuMsPerRequest", fixed(3)],
    ["PG ms/req", "pgCpuMsPerRequest", fixed(3)]
  ]
  for (const operation of OPERATIONS) {
    const a = ours?.operations[operation]
    const b = base?.operations[operation]
    if (a) operationRows.push([operation, "ours", ...OPERATION_COLUMNS.map(([, k, f]) => f(a[k]))])
    if (b) operationRows.push([operation, "baseline", ...OPERATION_COLUMNS.map(([, k, f]) => f(b[k]))])
    if (a && b) operationRows.push([operation, "ours/baseline", ...OPERATION_COLUMNS.map(([, k]) => ratio(a[k], b[k]))])
  }
  console.log(
    `Each operation alone, ${OPERATION_CONNECTIONS} connections, ${OPERATION_SECONDS} s (list${LIST_QUERY}; update: a PUT of title and priority)`
  )
  table(["operation", "server", ...OPERATION_COLUMNS.map(([h]) => h)], operationRows)

  const listRows = []
  for (const [label, r] of [["ours", ours], ["baseline", base]]) {
    if (!r) continue
    const [small, big] = Object.values(r.list)
    listRows.push([
      label,
      "",
      fixed(2)(small.p50),
      fixed(2)(big.p50),
      ratio(big.p50, small.p50),
      fixed(2)(small.p99),
      fixed(2)(big.p99),
      ratio(big.p99, small.p99),
      whole(small.non2xx + big.non2xx + small.socketErrors + big.socketErrors)
    ])
  }
  console.log(
    `List latency, GET /api/{user}/tasks${LIST_QUERY}, 10 connections, 5 s: one user with 20 tasks vs ${
      BIG_USER_TASKS.toLocaleString("en")
    } tasks`
  )
  table(["server", "", "p50 20", "p50 100k", "ratio", "p99 20", "p99 100k", "ratio", "errors"], listRows)

  const memoryRows = [["ours", ours], ["baseline", base]].filter(([, r]) => r).map(([label, r]) => [
    label,
    "",
    fixed(0)(r.idleRssMb),
    fixed(0)(r.peakRssMb),
    fixed(0)(r.hwmMb),
    fixed(1)(r.seedSeconds)
  ])
  console.log("Memory of the production start (NODE_ENV=production, one process) and seeding time")
  table(["server", "", "idle RSS MB", "peak RSS MB (sampled)", "VmHWM MB", "seed s"], memoryRows)

  const idleRows = [["ours", ours], ["baseline", base]].filter(([, r]) => r).map(([label, r]) => {
    const most = IDLE_CONNECTIONS[IDLE_CONNECTIONS.length - 1]
    return [
      label,
      "",
      ...[0, ...IDLE_CONNECTIONS].map((n) => fixed(0)(r.idle[n])),
      fixed(1)(((r.idle[most] - r.idle[0]) * 1024) / most)
    ]
  })
  console.log(
    `RSS (MB) with idle keep-alive connections (each made one list request, then stays quiet; before seeding, ${IDLE_SECONDS} s each)`
  )
  table(["server", "", ...[0, ...IDLE_CONNECTIONS].map((n) => `${n.toLocaleString("en")}`), "kB a connection"], idleRows)

  if (!ours) {
    console.log("Targets: not evaluated, our server did not run.")
    return
  }
  const streamRows = Object.entries(ours.streams ?? {}).map(([streams, s]) => [
    Number(streams).toLocaleString("en"),
    `${whole(s.opened)} open`,
    `${whole(s.written)}/${whole(s.sent)}`,
    whole(s.delivered),
    whole(s.lost),
    fixed(1)(s.latency_ms.p50),
    fixed(1)(s.latency_ms.p99),
    fixed(0)(s.latency_ms.max),
    whole(s.refused + s.errors),
    fixed(0)(s.peakRssMb)
  ])
  console.log(
    `Event streams (ours): idle streams, one per user, while tasks are created at ${STREAM_WRITES_PER_SECOND}/s over their users for ${DURATION} s; latency from POST sent to event received`
  )
  table(["streams", "", "written/sent", "delivered", "lost", "p50 ms", "p99 ms", "max ms", "errors", "peak RSS MB"], streamRows)
  const at100 = ours.scenarios["mix c=100"]
  const users = ours.scenarios[USERS_SCENARIO]
  const [small, big] = Object.values(ours.list)
  const errors = [...Object.values(ours.scenarios), ...Object.values(ours.operations), ...Object.values(ours.list)].reduce(
    (n, s) => n + s.non2xx + s.socketErrors,
    0
  )
  const throughput = base ? at100.rps / base.scenarios["mix c=100"].rps : undefined
  const targets = [
    ["0 errors (non-2xx, socket errors), every scenario", `${errors}`, errors === 0],
    [
      "throughput >= 0.8x baseline at 100 connections (both record each write's change)",
      throughput === undefined ? "no baseline" : `${throughput.toFixed(2)}x`,
      throughput !== undefined && throughput >= 0.8
    ],
    [
      `peak RSS < 100 MB, ${USERS_LOAD.connections.toLocaleString("en")} users thinking ${USERS_LOAD.think} ms`,
      `${users.peakRssMb.toFixed(0)} MB`,
      users.peakRssMb < 100
    ],
    ["idle RSS of the production start < 60 MB", `${ours.idleRssMb.toFixed(0)} MB`, ours.idleRssMb < 60],
    ["p99 < 50 ms at 100 connections", `${at100.p99.toFixed(1)} ms`, at100.p99 < 50],
    ...streamTargets(ours.streams?.[Math.max(...STREAMS)]),
    [`list p50 with ${BIG_USER_TASKS.toLocaleString("en")} tasks < 2x with 20`, ratio(big.p50, small.p50), big.p50 / small.p50 < 2]
  ]
  console.log("Targets (ours)")
  table(["target", "measured", "verdict"], targets.map(([t, m, ok]) => [t, m, ok ? "PASS" : "FAIL"]))
}

// --- main ----------------------------------------------------------------------------------

const main = async () => {
  ensureWrk()
  const keys = ["baseline", "api"].filter((key) => ONLY === undefined || ONLY === key)
  if (keys.includes("api") && !existsSync(API_ENTRY)) {
    console.log(`Our server is not built (${API_ENTRY} is missing): measuring the baseline only.`)
    keys.splice(keys.indexOf("api"), 1)
  }
  console.log(
    `Todo API benchmark: PostgreSQL ${new URL(ADMIN_URL).host}, ${availableParallelism()} CPUs, node ${process.version}, ` +
      `LOG_LEVEL=${LOG_LEVEL}${WORKERS > 1 ? `, cluster of ${WORKERS} workers as well` : ""}` +
      `${REDIS_URL === undefined ? "" : `, rate limit counted in Redis at ${new URL(REDIS_URL).host}`}`
  )
  // wrk, PostgreSQL and both servers share this machine: anything else running skews the figures.
  console.log(`Load average before the run: ${loadavg()[0].toFixed(2)} (1 min)`)
  const users = await makeUsers()
  const results = await benchmark(keys, users)
  if (Object.keys(results).length === 0) {
    process.exitCode = 1
    return console.log("No server could be measured.")
  }
  report(results)
}

const cleanUp = async () => {
  agent.destroy()
  await dropDatabases().catch((error) => console.error(`could not drop ${createdDatabases.join(", ")}: ${error.message}`))
  rmSync(work, { recursive: true, force: true })
}

process.on("SIGINT", () => cleanUp().finally(() => process.exit(130)))
await main().finally(cleanUp)
