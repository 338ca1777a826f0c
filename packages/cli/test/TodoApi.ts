/** The built `todo-api` binary as a subprocess, found by the URL it logs once it listens. */
import { type ChildProcess, spawn } from "node:child_process"
import { freePort } from "@todo/testing"
import { resolve } from "node:path"
import { cleanEnvironment } from "./TodoAdmin.js"

const BINARY = resolve(import.meta.dirname, "../../http/dist/main.js")

export interface TodoApi {
  readonly url: string
  readonly pid: number
  /** Sends SIGTERM and resolves once the process has exited. */
  readonly stop: () => Promise<void>
}

/** Resolves with the JSON log line whose message is "listening"; rejects if the process exits first. */
const listeningLine = (child: ChildProcess, stderr: () => string) =>
  new Promise<{ url: string }>((done, fail) => {
    let pending = ""
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n")
      pending = lines.pop()!
      for (const line of lines) {
        const entry = line.startsWith("{") ? JSON.parse(line) : undefined
        if (entry?.message === "listening") done(entry)
      }
    })
    child.once("exit", (code, signal) => fail(new Error(`todo-api exited (${code ?? signal}) before listening: ${stderr()}`)))
  })

export const startTodoApi = async (dir: string, env: Record<string, string>): Promise<TodoApi> => {
  const child = spawn(process.execPath, [BINARY], {
    cwd: dir,
    env: { ...cleanEnvironment(), HOST: "127.0.0.1", PORT: String(await freePort()), ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stderr = ""
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  const exited = new Promise<void>((done) => child.once("exit", () => done()))
  try {
    const { url } = await listeningLine(child, () => stderr)
    const stop = () => {
      child.kill("SIGTERM")
      return exited
    }
    return { url, pid: child.pid!, stop }
  } catch (error) {
    child.kill("SIGKILL")
    throw error
  }
}
