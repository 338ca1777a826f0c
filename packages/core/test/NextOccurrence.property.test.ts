import { describe, expect, it } from "@effect/vitest"
import { nextOccurrence, parseRecurrence } from "@todo/core"
import { DateTime, Either } from "effect"
import fc from "fast-check"
import { instantOf, localOf, nextByWalking, type OracleRule, rruleOf, WEEKDAYS } from "./support/RecurrenceOracle.js"
import { recurringTask } from "./support/RecurringTask.js"

/** Zones with one-hour, half-hour and 45-minute shifts, southern-hemisphere summers, and none. */
const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Pacific/Chatham",
  "America/St_Johns",
  "Europe/London"
]

const DAY = 86_400_000

const weekday = fc.constantFrom(...WEEKDAYS)
const ordinal = fc.integer({ min: 1, max: 5 }).chain((n) => fc.constantFrom(n, -n))
const monthDay = fc.integer({ min: 1, max: 31 }).chain((n) => fc.constantFrom(n, -n))
const month = fc.integer({ min: 1, max: 12 })
const interval = fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, fc.integer({ min: 2, max: 4 }), fc.integer({ min: 5, max: 13 }))
const maybeList = <A>(item: fc.Arbitrary<A>, maxLength = 3) =>
  fc.oneof(fc.constant([] as Array<A>), fc.array(item, { minLength: 1, maxLength }))

const byDayPlain = maybeList(weekday.map((weekday) => ({ weekday })), 4)
const byDayOrdinal = maybeList(
  fc.record({ weekday, ordinal: fc.option(ordinal, { nil: undefined }) }).map(({ weekday, ordinal }) =>
    ordinal === undefined ? { weekday } : { weekday, ordinal }
  )
)

const untilText = (instant: number, asDate: boolean) => {
  const iso = new Date(instant).toISOString()
  const date = iso.slice(0, 10).replaceAll("-", "")
  return asDate ? date : `${date}T${iso.slice(11, 19).replaceAll(":", "")}Z`
}

const ruleShape: fc.Arbitrary<Omit<OracleRule, "count" | "until">> = fc.oneof(
  fc.record({ freq: fc.constant("DAILY" as const), interval, byDay: byDayPlain, byMonthDay: fc.constant([]), byMonth: fc.constant([]) }),
  fc.record({ freq: fc.constant("WEEKLY" as const), interval, byDay: byDayPlain, byMonthDay: fc.constant([]), byMonth: fc.constant([]) }),
  fc.record({
    freq: fc.constant("MONTHLY" as const),
    interval,
    byDay: byDayOrdinal,
    byMonthDay: maybeList(monthDay),
    byMonth: fc.constant([])
  }),
  fc.record({
    freq: fc.constant("YEARLY" as const),
    interval,
    byDay: byDayOrdinal,
    byMonthDay: maybeList(monthDay),
    byMonth: maybeList(month)
  })
)

/** A wall-clock due time, often near a daylight-saving change (small hours, March/April, October/November). */
const dueIn = (zone: string) =>
  fc.record({
    year: fc.integer({ min: 2024, max: 2030 }),
    month: fc.oneof(fc.constantFrom(3, 4, 10, 11), month),
    day: fc.oneof(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 24, max: 31 })),
    hour: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 23 })),
    minute: fc.constantFrom(0, 15, 30, 45),
    second: fc.constantFrom(0, 59),
    millisecond: fc.constantFrom(0, 500)
  }).filter((local) => local.day <= new Date(Date.UTC(local.year, local.month, 0)).getUTCDate())
    .map((local) => instantOf(local, zone))

const scenario = fc.constantFrom(...ZONES).chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    named: fc.boolean(),
    due: dueIn(zone),
    shape: ruleShape,
    ending: fc.oneof(
      fc.constant({}),
      fc.record({ count: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ untilAfterDays: fc.integer({ min: -5, max: 1200 }), untilAsDate: fc.boolean() })
    ),
    completedAfter: fc.oneof(
      fc.integer({ min: -20 * DAY, max: 3 * DAY }),
      fc.integer({ min: -20 * DAY, max: 800 * DAY })
    ),
    remindBefore: fc.option(fc.integer({ min: -DAY, max: 3 * DAY }), { nil: undefined })
  }).map(({ completedAfter, due, ending, named, remindBefore, shape, zone }) => {
    const rule: OracleRule = "count" in ending
      ? { ...shape, count: ending.count }
      : "untilAfterDays" in ending
      ? { ...shape, until: untilText(due + ending.untilAfterDays * DAY, ending.untilAsDate) }
      : shape
    return {
      rule,
      zone,
      // UTC may be named or left null: the two must agree.
      timezone: zone === "UTC" && !named ? null : zone,
      due,
      completedAt: due + completedAfter,
      remindAt: remindBefore === undefined ? null : due - remindBefore
    }
  })
)

/** Every change of offset in `zone` from 2024 to 2030, to the minute, with the offsets either side. */
const transitionsIn = (zone: string) => {
  const offset = (instant: number) => {
    const local = localOf(instant, zone)
    return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - instant
  }
  const found: Array<{ readonly at: number; readonly before: number; readonly after: number }> = []
  const step = 6 * 3_600_000
  for (let instant = Date.UTC(2024, 0, 1); instant < Date.UTC(2031, 0, 1); instant += step) {
    if (offset(instant) === offset(instant + step)) continue
    let [low, high] = [instant, instant + step]
    while (high - low > 60_000) {
      const middle = low + Math.floor((high - low) / 120_000) * 60_000
      if (offset(middle) === offset(low)) low = middle
      else high = middle
    }
    found.push({ at: high, before: offset(low), after: offset(high) })
  }
  return found
}

const DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"]
const TRANSITIONS = DST_ZONES.flatMap((zone) => transitionsIn(zone).map((transition) => ({ zone, ...transition })))

/**
 * A daily or weekly task whose wall-clock time falls in the hour a transition skips or repeats,
 * due some days before it and completed around it, so that the copy lands on the day of the change.
 */
const aroundTransition = fc.record({
  transition: fc.constantFrom(...TRANSITIONS),
  intoWindow: fc.double({ min: 0, max: 0.999, noNaN: true }),
  weeksBefore: fc.integer({ min: 1, max: 3 }),
  daysBefore: fc.integer({ min: 1, max: 6 }),
  weekly: fc.boolean(),
  completedBeforeChange: fc.integer({ min: -3 * DAY, max: 2 * DAY })
}).map(({ completedBeforeChange, daysBefore, intoWindow, transition, weekly, weeksBefore }) => {
  const windowStart = transition.at + Math.min(transition.before, transition.after)
  const windowLength = Math.abs(transition.after - transition.before)
  const wallClock = windowStart + Math.floor((intoWindow * windowLength) / 60_000) * 60_000
  const wallClockDue = wallClock - (weekly ? weeksBefore * 7 : daysBefore) * DAY
  const date = new Date(wallClockDue)
  const due = instantOf({
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: 0,
    millisecond: 0
  }, transition.zone)
  const rule: OracleRule = { freq: weekly ? "WEEKLY" : "DAILY", interval: 1, byDay: [], byMonthDay: [], byMonth: [] }
  return { rule, zone: transition.zone, due, completedAt: Math.max(due, transition.at + completedBeforeChange) }
})

const countOf = (recurrence: string) => Either.getOrThrow(parseRecurrence(recurrence)).count

describe("the next occurrence, against a day-by-day walk of the calendar", () => {
  it("is the walk's first instance later than the due date and the completion, with COUNT, UNTIL and the reminder carried", () => {
    fc.assert(
      fc.property(scenario, ({ completedAt, due, remindAt, rule, timezone, zone }) => {
        const task = recurringTask({ due, recurrence: rruleOf(rule), timezone, remindAt })
        const copy = nextOccurrence(task, DateTime.unsafeMake(completedAt))
        const expected = nextByWalking(rule, zone, due, completedAt)
        switch (expected._tag) {
          case "Ended":
            expect(copy).toBeNull()
            break
          case "NoneBefore":
            if (copy !== null) expect(DateTime.toEpochMillis(copy.due_date!)).toBeGreaterThan(expected.horizon - DAY)
            break
          case "Next": {
            expect(copy).not.toBeNull()
            expect(DateTime.formatIso(copy!.due_date!)).toBe(new Date(expected.due).toISOString())
            expect(countOf(copy!.recurrence!)).toBe(expected.count)
            expect(copy!.remind_at === null ? null : DateTime.toEpochMillis(copy!.remind_at) - expected.due)
              .toBe(remindAt === null ? null : remindAt - due)
            expect(copy).toMatchObject({ completed: false, timezone, title: task.title, tags: task.tags })
          }
        }
      }),
      { numRuns: 600 }
    )
  })

  it("a wall-clock time a daylight-saving change skips moves forward by the gap; one it repeats is the first", () => {
    expect(TRANSITIONS.length).toBeGreaterThan(50)
    fc.assert(
      fc.property(aroundTransition, ({ completedAt, due, rule, zone }) => {
        const copy = nextOccurrence(recurringTask({ due, recurrence: rruleOf(rule), timezone: zone }), DateTime.unsafeMake(completedAt))
        const expected = nextByWalking(rule, zone, due, completedAt)
        expect(expected._tag).toBe("Next")
        if (expected._tag === "Next") expect(DateTime.toEpochMillis(copy!.due_date!)).toBe(expected.due)
      }),
      { numRuns: 1000 }
    )
  })

  it("completing each copy on its due date walks the same series, COUNT counting down to the end", () => {
    fc.assert(
      fc.property(scenario, ({ due, rule, timezone, zone }) => {
        let task = recurringTask({ due, recurrence: rruleOf(rule), timezone })
        let walked: OracleRule = rule
        let at = due
        for (let step = 0; step < 6; step++) {
          const expected = nextByWalking(walked, zone, at, at, 12)
          const copy = nextOccurrence(task, task.due_date!)
          if (expected._tag !== "Next") {
            if (expected._tag === "Ended") expect(copy).toBeNull()
            return
          }
          expect(copy).not.toBeNull()
          expect(DateTime.toEpochMillis(copy!.due_date!)).toBe(expected.due)
          at = expected.due
          walked = expected.count === undefined ? walked : { ...walked, count: expected.count }
          task = { ...task, ...copy! }
        }
      }),
      { numRuns: 200 }
    )
  })
})
