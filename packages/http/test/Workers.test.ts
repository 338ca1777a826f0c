/** WEB_CONCURRENCY: how many server processes the primary forks. */
import { availableParallelism } from "node:os"
import { describe, expect, it } from "vitest"
import * as Workers from "../src/server/Workers.js"

const url = "postgres://db/todo"

describe("WEB_CONCURRENCY", () => {
  it("unset or empty is one process", () => {
    expect(Workers.countFrom(undefined, undefined)).toBe(1)
    expect(Workers.countFrom(" ", undefined)).toBe(1)
  })

  it("auto is one worker per core, a number is that many", () => {
    expect(Workers.countFrom("auto", url)).toBe(availableParallelism())
    expect(Workers.countFrom("3", url)).toBe(3)
  })

  it("anything else is refused with the reason", () => {
    for (const value of ["0", "-1", "1.5", "two"]) expect(Workers.countFrom(value, url)).toMatch(/WEB_CONCURRENCY must be/)
  })

  it("more than one needs DATABASE_URL, since the embedded database is one process's", () => {
    expect(Workers.countFrom("2", undefined)).toMatch(/needs DATABASE_URL/)
    expect(Workers.countFrom("1", undefined)).toBe(1)
  })
})
