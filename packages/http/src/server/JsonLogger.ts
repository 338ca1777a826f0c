/** Log lines as JSON, one per line on stdout: `time`, `level`, `message`, then named fields. */
import { Cause, Logger } from "effect"

const textOf = (message: unknown): string => Array.isArray(message) ? message.map(String).join(" ") : String(message)

export const logger = Logger.make(({ annotations, cause, date, logLevel, message }) => {
  const line: Record<string, unknown> = { time: date.toISOString(), level: logLevel.label.toLowerCase(), message: textOf(message) }
  for (const [key, value] of annotations) line[key] = value
  if (!Cause.isEmpty(cause)) line["cause"] = Cause.pretty(cause, { renderErrorCause: true })
  process.stdout.write(`${JSON.stringify(line)}\n`)
})

export const layer = Logger.replace(Logger.defaultLogger, logger)
