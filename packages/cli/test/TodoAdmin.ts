/** The built `todo-admin` binary as a subprocess, with a clean environment and a temporary working directory. */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const BINARY = resolve(import.meta.dirname, "../dist/main.js")

/** Settings of the developer's shell that must not leak into a test. */
const SETTINGS = [
  "DATABASE_URL",
  "DATA_DIR",
  "DATABASE_POOL_MAX",
  "BETTER_AUTH_SECRET",
  "BETTER_AUTH_URL",
  "JWT_JWKS_URL",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "JWT_CLOCK_TOLERANCE_S",
  "CORS_ORIGINS",
  "PORT",
  "LOG_LEVEL",
  "NODE_ENV",
  "REDIS_URL"
]

/** This process's environment without those settings: what a subprocess under test starts from. */
export const cleanEnvironment = (): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !SETTINGS.includes(name)))

export interface Outcome {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface TodoAdmin {
  readonly run: (
    args: ReadonlyArray<string>,
    options?: { readonly env?: Record<string, string>; readonly input?: string | Uint8Array }
  ) => Promise<Outcome>
  /** What a person at a terminal sees (stdout and stderr, both a terminal), through util-linux's `script`. */
  readonly runAtTerminal: (args: ReadonlyArray<string>, env: Record<string, string>) => Promise<string>
  /** Starts a command that runs until stopped (`changes --follow`), its stdout as text. */
  readonly start: (args: ReadonlyArray<string>) => ChildProcess
  /** Runs a command that must succeed and parses its JSON output. */
  readonly json: <A = any>(args: ReadonlyArray<string>) => Promise<A>
  /** The working directory (a fresh temporary one, so no `.env` of the repository is read). */
  readonly dir: string
  readonly dispose: () => Promise<void>
}

export const todoAdmin = async (env: Record<string, string>): Promise<TodoAdmin> => {
  const dir = await mkdtemp(join(tmpdir(), "todo-admin-"))
  const base = cleanEnvironment()
  const run: TodoAdmin["run"] = (args, options = {}) =>
    new Promise((done) => {
      const child = execFile(
        process.execPath,
        [BINARY, ...args],
        { cwd: dir, env: { ...base, ...env, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      )
      child.stdin?.end(options.input ?? "")
    })
  const runAtTerminal: TodoAdmin["runAtTerminal"] = (args, env) =>
    new Promise((done, fail) => {
      const command = [process.execPath, BINARY, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ")
      execFile("script", ["-qec", command, "/dev/null"], { cwd: dir, env: { ...base, ...env } }, (error, stdout) =>
        error === null ? done(stdout) : fail(error))
    })
  const json = async (args: ReadonlyArray<string>) => {
    const outcome = await run(args)
    if (outcome.code !== 0) throw new Error(`todo-admin ${args.join(" ")} exited ${outcome.code}: ${outcome.stderr}`)
    return JSON.parse(outcome.stdout)
  }
  const start: TodoAdmin["start"] = (args) => {
    const child = spawn(process.execPath, [BINARY, ...args], { cwd: dir, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    child.stdout.setEncoding("utf8")
    return child
  }
  return { run, runAtTerminal, start, json, dir, dispose: () => rm(dir, { recursive: true, force: true }) }
}
