/** The built `todo-api` binary as a child process, with its stdout kept line by line. */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { freePort } from "@todo/testing"
import { SECRET } from "./TestServer.js"

const MAIN = fileURLToPath(new URL("../../dist/main.js", import.meta.url))

export interface ApiProcess {
  readonly url: string
  readonly child: ChildProcess
  /** Every line written to stdout so far. */
  readonly lines: Array<string>
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the binary on a free port and waits until it listens; `env` adds to a clean environment. */
export const startApi = async (env: Record<string, string>, readyWithinMs = 60_000): Promise<ApiProcess> => {
  const port = await freePort()
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env["PATH"] ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      BETTER_AUTH_SECRET: SECRET,
      ...env
    },
    cwd: fileURLToPath(new URL(".", import.meta.url)),
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
  // Ready once it answers: the "listening" line is not logged below LOG_LEVEL=info.
  for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (exit !== undefined) throw new Error(`todo-api exited (${exit.code ?? exit.signal}) before listening: ${errors}`)
    if (Date.now() - started > readyWithinMs) throw new Error(`todo-api did not listen within ${readyWithinMs} ms: ${errors}`)
    if (await fetch(`${url}/api/health`).then((response) => response.ok, () => false)) break
  }
  return { url, child, lines, stderr: () => errors, exited }
}
