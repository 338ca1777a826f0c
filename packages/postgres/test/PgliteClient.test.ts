import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql/SqlClient"
import { PgliteClient } from "@todo/postgres"
import { Effect, Exit, Layer } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { temporaryDirectory } from "./TestDatabases.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

const inUseBy = (dir: string, pid: number) =>
  `the embedded database in ${dir} is in use by process ${pid} (stop it, or set DATABASE_URL to share a PostgreSQL server)`

const opened = (dir: string) =>
  Effect.flatMap(
    Layer.build(PgliteClient.layer(dir)),
    (context) => Effect.provide(Effect.flatMap(SqlClient, (sql) => sql`SELECT 1 AS one`), context)
  )

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : exit

/** Another process holding `dir` open, until it is killed. */
const holderProcess = (dir: string) =>
  Effect.acquireRelease(
    Effect.async<ReturnType<typeof spawn>, Error>((resume) => {
      const script = `
        import { PgliteClient } from ${JSON.stringify(new URL("dist/index.js", `file://${packageDir}`).href)}
        import { Effect, Layer } from "effect"
        Effect.runFork(Effect.scoped(Layer.build(PgliteClient.layer(${JSON.stringify(dir)})).pipe(
          Effect.andThen(Effect.sync(() => console.log("ready"))),
          Effect.andThen(Effect.never),
          Effect.tapErrorCause((cause) => Effect.sync(() => { console.error(String(cause)); process.exit(1) }))
        )))`
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: packageDir })
      let errors = ""
      child.stderr.on("data", (chunk) => (errors += chunk))
      child.stdout.on("data", (chunk) => String(chunk).includes("ready") && resume(Effect.succeed(child)))
      child.on("exit", () => resume(Effect.fail(new Error(`the holder exited: ${errors}`))))
    }),
    (child) => Effect.sync(() => child.kill("SIGKILL"))
  )

const killed = (child: ReturnType<typeof spawn>) =>
  Effect.async<void>((resume) => {
    child.on("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

describe("PgliteClient.layer", () => {
  it.live("a second open of a data directory in use fails, naming the holder, until the first is closed", () =>
    Effect.gen(function*() {
      const dir = yield* temporaryDirectory
      const second = yield* Effect.scoped(Effect.gen(function*() {
        yield* opened(dir)
        return yield* Effect.exit(Effect.scoped(opened(dir)))
      }))
      expect(failureOf(second)).toMatchObject({ _tag: "RepositoryUnavailable", reason: inUseBy(dir, process.pid) })
      expect(yield* Effect.scoped(opened(dir))).toEqual([{ one: 1 }])
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live(
    "a data directory held by another process is refused; once it is killed, its stale lock is taken over",
    () =>
      Effect.gen(function*() {
        const dir = yield* temporaryDirectory
        const holder = yield* holderProcess(dir)
        const refused = yield* Effect.exit(Effect.scoped(opened(dir)))
        expect(failureOf(refused)).toMatchObject({ _tag: "RepositoryUnavailable", reason: inUseBy(dir, holder.pid!) })

        yield* killed(holder)
        expect(yield* Effect.scoped(opened(dir))).toEqual([{ one: 1 }])
      }).pipe(Effect.scoped),
    { timeout: 60_000 }
  )
})
