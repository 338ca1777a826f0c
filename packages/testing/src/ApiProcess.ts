/** A built `todo-api` binary as a subprocess on a free port: stdout kept line by line, ready once it answers. */
import { type ChildProcess, spawn } from "node:child_process"
import { freePort } from "./FreePort.js"

export interface ApiProcess {
  readonly url: string
  readonly pid: number
  readonly child: ChildProcess
  /** Every line written to stdout so far. */
  readonly lines: Array<string>
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Sends SIGTERM and resolves once the process has exited. */
  readonly stop: () => Promise<void>
  /** Sends SIGKILL (nothing is drained) and resolves once the process has exited. */
  readonly kill: () => Promise<void>
}

export interface ApiProcessOptions {
  /** The path of the built `main.js`. */
  readonly binary: string
  readonly cwd: string
  /** The whole environment of the process; `HOST` and `PORT` are set here. */
  readonly env: Record<string, string | undefined>
  readonly readyWithinMs?: number
}

export const startApiProcess = async (options: ApiProcessOptions): Promise<ApiProcess> => {
  const port = await freePort()
  const child = spawn(process.execPath, [options.binary], {
    env: { ...options.env, HOST: "127.0.0.1", PORT: String(port) },
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"]
  })
  const lines: Array<string> = []
  let pending = ""
  let errors = ""
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (pending + chunk).split("\n")
    pending = parts.pop()!
    lines.push(...parts)
  })
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    errors += chunk
  })
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  void exited.then((status) => (exit = status))
  const url = `http://127.0.0.1:${port}`
  const readyWithinMs = options.readyWithinMs ?? 60_000
  // Ready once it answers: the "listening" line is not logged below LOG_LEVEL=info.
  for (const started = Date.now();; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (exit !== undefined) throw new Error(`todo-api exited (${exit.code ?? exit.signal}) before listening: ${errors}`)
    if (Date.now() - started > readyWithinMs) {
      child.kill("SIGKILL")
      throw new Error(`todo-api did not listen within ${readyWithinMs} ms: ${errors}`)
    }
    if (await fetch(`${url}/api/health`).then((response) => response.ok, () => false)) break
  }
  const signal = (name: NodeJS.Signals) => async () => {
    child.kill(name)
    await exited
  }
  return { url, pid: child.pid!, child, lines, stderr: () => errors, exited, stop: signal("SIGTERM"), kill: signal("SIGKILL") }
}
