/** How results reach the terminal: JSON for scripts, aligned tables for people, progress only on a TTY. */
import { Effect } from "effect"

const write = (stream: NodeJS.WriteStream, text: string): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    // Waiting for the flush keeps a large export from buffering in memory when stdout is a pipe.
    stream.write(text, () => resume(Effect.void))
  })

export const printLine = (text: string): Effect.Effect<void> => write(process.stdout, `${text}\n`)

export const printText = (text: string): Effect.Effect<void> => write(process.stdout, text)

export const printJson = (value: unknown): Effect.Effect<void> => printLine(JSON.stringify(value, null, 2))

export const printError = (text: string): Effect.Effect<void> => write(process.stderr, `${text}\n`)

const codePointLength = (text: string): number => [...text].length

const MAX_CELL = 60

const fit = (text: string): string => codePointLength(text) > MAX_CELL ? `${[...text].slice(0, MAX_CELL - 1).join("")}…` : text

export interface Column<A> {
  readonly header: string
  readonly cell: (row: A) => string
}

/** A table with a header row; cells but the last are cut at 60 characters to keep the columns narrow. */
export const printTable = <A>(columns: ReadonlyArray<Column<A>>, rows: ReadonlyArray<A>): Effect.Effect<void> => {
  const last = columns.length - 1
  const cells = [
    columns.map((column) => column.header),
    ...rows.map((row) => columns.map((column, index) => (index === last ? column.cell(row) : fit(column.cell(row)))))
  ]
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => codePointLength(line[index] ?? ""))))
  const lines = cells.map((line) =>
    line.map((cell, index) => cell + " ".repeat((widths[index] ?? 0) - codePointLength(cell))).join("  ").trimEnd()
  )
  return printText(lines.map((line) => `${line}\n`).join(""))
}

/** Label/value pairs, one per line, labels aligned. */
export const printFields = (fields: ReadonlyArray<readonly [string, string]>): Effect.Effect<void> => {
  const width = Math.max(...fields.map(([label]) => label.length))
  return printText(fields.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join(""))
}

/** A line for a person at a terminal, on stderr; silent when stderr is not one (scripts read it for errors). */
export const printNotice = (text: string): Effect.Effect<void> => process.stderr.isTTY ? printError(text) : Effect.void

/** A one-line progress report that rewrites itself; silent unless stderr is a terminal. */
export const progress = (text: string): Effect.Effect<void> =>
  process.stderr.isTTY ? write(process.stderr, `\r\x1b[2K${text}`) : Effect.void

export const endProgress: Effect.Effect<void> = process.stderr.isTTY ? write(process.stderr, "\r\x1b[2K") : Effect.void
