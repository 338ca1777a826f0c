/**
 * An independent reading of the contract's recurrence rules, for property tests: it walks the
 * calendar one day at a time from the due date and asks of each day, straight from RFC 5545's
 * definitions, whether the rule selects it; wall-clock times become instants through
 * `Intl.DateTimeFormat` alone. Slow and simple on purpose; it shares no code with core.
 */

export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU"
export const WEEKDAYS: ReadonlyArray<Weekday> = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

export interface OracleRule {
  readonly freq: "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY"
  readonly interval: number
  readonly byDay: ReadonlyArray<{ readonly weekday: Weekday; readonly ordinal?: number }>
  readonly byMonthDay: ReadonlyArray<number>
  readonly byMonth: ReadonlyArray<number>
  readonly count?: number
  /** `YYYYMMDD` or `YYYYMMDDTHHMMSSZ`. */
  readonly until?: string
}

/** The rule as an RRULE value, parts in a fixed order. */
export const rruleOf = (rule: OracleRule): string =>
  [
    `FREQ=${rule.freq}`,
    rule.interval === 1 ? [] : [`INTERVAL=${rule.interval}`],
    rule.byDay.length === 0 ? [] : [`BYDAY=${rule.byDay.map((d) => `${d.ordinal ?? ""}${d.weekday}`).join(",")}`],
    rule.byMonthDay.length === 0 ? [] : [`BYMONTHDAY=${rule.byMonthDay.join(",")}`],
    rule.byMonth.length === 0 ? [] : [`BYMONTH=${rule.byMonth.join(",")}`],
    rule.count === undefined ? [] : [`COUNT=${rule.count}`],
    rule.until === undefined ? [] : [`UNTIL=${rule.until}`]
  ].flat().join(";")

interface Local {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly millisecond: number
}

const formats = new Map<string, Intl.DateTimeFormat>()
const formatFor = (zone: string) => {
  let format = formats.get(zone)
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    })
    formats.set(zone, format)
  }
  return format
}

/** The wall-clock reading of an instant in `zone`. */
export const localOf = (instant: number, zone: string): Local => {
  const parts: Record<string, number> = {}
  for (const part of formatFor(zone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value)
  }
  return {
    year: parts["year"]!,
    month: parts["month"]!,
    day: parts["day"]!,
    hour: parts["hour"]!,
    minute: parts["minute"]!,
    second: parts["second"]!,
    millisecond: ((instant % 1000) + 1000) % 1000
  }
}

const asIfUtc = (local: Local) =>
  Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond)

const offsetAt = (instant: number, zone: string) => asIfUtc(localOf(instant, zone)) - instant

const sameWallClock = (a: Local, b: Local) => asIfUtc(a) === asIfUtc(b)

/**
 * The instant a wall-clock time names in `zone` (RFC 5545 §3.3.5): the first of two in an
 * overlap; in a gap, read with the offset before the gap.
 */
export const instantOf = (local: Local, zone: string): number => {
  const naive = asIfUtc(local)
  const twoDays = 2 * 86_400_000
  const offsets = new Set([offsetAt(naive - twoDays, zone), offsetAt(naive, zone), offsetAt(naive + twoDays, zone)])
  const readings = [...offsets].map((offset) => naive - offset).filter((instant) => sameWallClock(localOf(instant, zone), local))
  if (readings.length > 0) return Math.min(...readings)
  return naive - offsetAt(naive - twoDays, zone)
}

// Calendar days through Date's own UTC arithmetic.
const dayNumber = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / 86_400_000
const dateOf = (n: number) => {
  const date = new Date(n * 86_400_000)
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: (date.getUTCDay() + 6) % 7 }
}

/** Whether day `n` is the `ordinal`-th (from the end when negative) of its weekday between `from` and `to`. */
const nthInRange = (n: number, from: number, to: number, ordinal: number) => {
  let before = 0
  for (let day = n - 7; day >= from; day -= 7) before++
  let after = 0
  for (let day = n + 7; day <= to; day += 7) after++
  return ordinal > 0 ? before + 1 === ordinal : after + 1 === -ordinal
}

const selects = (rule: OracleRule, startDay: number, n: number): boolean => {
  const start = dateOf(startDay)
  const date = dateOf(n)
  const monthFirst = dayNumber(date.year, date.month, 1)
  const monthLast = dayNumber(date.year, date.month + 1, 1) - 1
  const monthDayMatches = () => rule.byMonthDay.some((md) => (md > 0 ? date.day === md : n === monthLast + md + 1))
  const weekdayMatches = (inYear: boolean) =>
    rule.byDay.some((byDay) => {
      if (WEEKDAYS.indexOf(byDay.weekday) !== date.weekday) return false
      if (byDay.ordinal === undefined) return true
      return inYear
        ? nthInRange(n, dayNumber(date.year, 1, 1), dayNumber(date.year + 1, 1, 1) - 1, byDay.ordinal)
        : nthInRange(n, monthFirst, monthLast, byDay.ordinal)
    })
  switch (rule.freq) {
    case "DAILY":
      return (n - startDay) % rule.interval === 0 && (rule.byDay.length === 0 || weekdayMatches(false))
    case "WEEKLY": {
      const weeks = ((n - date.weekday) - (startDay - start.weekday)) / 7
      if (weeks % rule.interval !== 0) return false
      return rule.byDay.length === 0 ? date.weekday === start.weekday : weekdayMatches(false)
    }
    case "MONTHLY": {
      const months = (date.year - start.year) * 12 + date.month - start.month
      if (months % rule.interval !== 0) return false
      if (rule.byMonthDay.length === 0 && rule.byDay.length === 0) return date.day === start.day
      return (rule.byMonthDay.length === 0 || monthDayMatches()) && (rule.byDay.length === 0 || weekdayMatches(false))
    }
    case "YEARLY": {
      if ((date.year - start.year) % rule.interval !== 0) return false
      const plain = rule.byMonthDay.length === 0 && rule.byDay.length === 0
      if (rule.byMonth.length > 0 ? !rule.byMonth.includes(date.month) : plain && date.month !== start.month) return false
      if (plain) return date.day === start.day
      return (rule.byMonthDay.length === 0 || monthDayMatches()) &&
        (rule.byDay.length === 0 || weekdayMatches(rule.byMonth.length === 0))
    }
  }
}

const untilPassed = (rule: OracleRule, localDay: number, instant: number): boolean => {
  if (rule.until === undefined) return false
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(rule.until)!
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (match[4] === undefined) return localDay > dayNumber(year, month, day)
  return instant > Date.UTC(year, month - 1, day, Number(match[4]), Number(match[5]), Number(match[6]))
}

export type OracleAnswer =
  | { readonly _tag: "Next"; readonly due: number; readonly count: number | undefined }
  | { readonly _tag: "Ended" }
  /** No instance up to the horizon: the implementation must find none before it either. */
  | { readonly _tag: "NoneBefore"; readonly horizon: number }

/**
 * The wall-clock time a series due at `due` runs at: its reading in `zone`, unless a time that
 * does not exist there (one a spring-forward gap skipped, no more than six hours back) resolves
 * to `due`: then that time.
 */
export const seriesStartOf = (due: number, zone: string): Local => {
  const reading = localOf(due, zone)
  const gap = offsetAt(due, zone) - offsetAt(due - 6 * 3_600_000, zone)
  if (gap <= 0) return reading
  const skipped = localOf(asIfUtc(reading) - gap, "UTC")
  const exists = [offsetAt(due, zone), offsetAt(due - gap, zone)].some((offset) =>
    sameWallClock(localOf(asIfUtc(skipped) - offset, zone), skipped)
  )
  return !exists && instantOf(skipped, zone) === due ? skipped : reading
}

/** The next occurrence of a task due at `due` in `zone`, completed at `completedAt`, by walking every day. */
export const nextByWalking = (
  rule: OracleRule,
  zone: string,
  due: number,
  completedAt: number,
  horizonYears = 30
): OracleAnswer => {
  const start = seriesStartOf(due, zone)
  const startDay = dayNumber(start.year, start.month, start.day)
  const reference = Math.max(due, completedAt)
  const horizon = reference + horizonYears * 365 * 86_400_000
  const lastDay = dayNumber(localOf(horizon, zone).year, 1, 1)
  let index = 0
  for (let n = startDay + 1; n <= lastDay; n++) {
    if (!selects(rule, startDay, n)) continue
    index++
    const date = dateOf(n)
    const instant = instantOf({ ...start, year: date.year, month: date.month, day: date.day }, zone)
    if (rule.count !== undefined && index >= rule.count) return { _tag: "Ended" }
    if (untilPassed(rule, n, instant)) return { _tag: "Ended" }
    if (instant > reference) {
      return { _tag: "Next", due: instant, count: rule.count === undefined ? undefined : rule.count - index }
    }
  }
  return { _tag: "NoneBefore", horizon: lastDay * 86_400_000 }
}
