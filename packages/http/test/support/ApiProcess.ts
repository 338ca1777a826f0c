/** This package's built `todo-api` binary as a child process, verifying tokens signed with the test secret. */
import { type ApiProcess, startApiProcess } from "@todo/testing"
import { fileURLToPath } from "node:url"
import { SECRET } from "./TestServer.js"

export type { ApiProcess }

const MAIN = fileURLToPath(new URL("../../dist/bundle/todo-api.js", import.meta.url))

/** `env` adds to a clean environment. */
export const startApi = (env: Record<string, string>, readyWithinMs?: number): Promise<ApiProcess> =>
  startApiProcess({
    binary: MAIN,
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    env: { PATH: process.env["PATH"] ?? "", BETTER_AUTH_SECRET: SECRET, ...env },
    ...(readyWithinMs === undefined ? {} : { readyWithinMs })
  })
