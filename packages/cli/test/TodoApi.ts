/** The built `todo-api` binary beside the CLI, run in a CLI test's working directory. */
import { type ApiProcess, startApiProcess } from "@todo/testing"
import { resolve } from "node:path"
import { cleanEnvironment } from "./TodoAdmin.js"

const BINARY = resolve(import.meta.dirname, "../../http/dist/bundle/todo-api.js")

export type TodoApi = ApiProcess

export const startTodoApi = (dir: string, env: Record<string, string>): Promise<TodoApi> =>
  startApiProcess({ binary: BINARY, cwd: dir, env: { ...cleanEnvironment(), ...env } })
