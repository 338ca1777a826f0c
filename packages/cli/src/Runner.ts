/**
 * Runs a command's effect on a runtime whose layer is built on first use, at most once per
 * process, and disposed at the end (so the embedded database closes and its files are whole).
 */
import { Effect, Exit, Layer, Logger, ManagedRuntime } from "effect"
import { describeFailure } from "./CommandFailure.js"
import { printError } from "./Output.js"

export interface Runner<R> {
  /** Resolves once the command is done; a failure is reported on stderr and sets the exit code. */
  readonly run: <E>(effect: Effect.Effect<void, E, R>) => Promise<void>
  readonly dispose: () => Promise<void>
}

export const reportExit = async (exit: Exit.Exit<void, unknown>): Promise<void> => {
  if (Exit.isSuccess(exit)) return
  const report = describeFailure(exit.cause)
  await Effect.runPromise(printError(report.lines.join("\n")))
  process.exitCode = report.exitCode
}

/** Log lines (the database's "retrying" warnings) go to stderr as errors do: stdout is the command's result. */
const logToStderr = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ logLevel, message }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    process.stderr.write(`${logLevel.label.toLowerCase()}: ${text}\n`)
  })
)

export const makeRunner = <R, E>(layer: Layer.Layer<R, E>): Runner<R> => {
  const runtime = ManagedRuntime.make(Layer.provideMerge(layer, logToStderr))
  return {
    run: (effect) => runtime.runPromiseExit(effect).then(reportExit),
    dispose: () => runtime.dispose()
  }
}
