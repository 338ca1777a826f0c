/**
 * The dates a rule produces after its start (RFC 5545 §3.3.10), as local calendar days: each
 * period (a day, a week, a month or a year, every INTERVAL of them) gives the days in it that
 * the BY parts select, and a day a month or year does not have is skipped, never moved.
 */
import { daysInMonth, daysInYear, epochDayOf, civilDateOf, type CivilDate, weekdayOf } from "./CivilCalendar.js"
import type { Frequency, RecurrenceRule } from "./RecurrenceRule.js"

/** No instance after this day: a later one would not fit an RFC 3339 date-time. */
export const LAST_DAY = epochDayOf(9999, 12, 31)

/**
 * The calendar repeats every 400 years (4800 months); weekdays every 7 days. A rule that gives
 * no date in that many periods in a row never gives one again.
 */
const PERIODS_IN_CYCLE: Record<Frequency, number> = { DAILY: 7, WEEKLY: 1, MONTHLY: 4800, YEARLY: 400 }

interface Period {
  readonly firstDay: number
  /** In ascending order. */
  readonly days: ReadonlyArray<number>
}

const ordinalMatches = (ordinal: number, indexFromStart: number, length: number): boolean =>
  ordinal > 0
    ? Math.floor(indexFromStart / 7) + 1 === ordinal
    : Math.floor((length - 1 - indexFromStart) / 7) + 1 === -ordinal

/** Whether a day of a month is one the rule's BYMONTHDAY and BYDAY (or else the start's day of the month) select. */
const dayMatcher = (rule: RecurrenceRule, start: CivilDate) => {
  // A YEARLY ordinal counts weekdays within the year, unless BYMONTH narrows it to months.
  const yearScope = rule.frequency === "YEARLY" && rule.byMonth.length === 0
  return (year: number, month: number, day: number, epochDay: number): boolean => {
    const length = daysInMonth(year, month)
    if (rule.byMonthDay.length === 0 && rule.byDay.length === 0) return day === start.day
    if (
      rule.byMonthDay.length > 0 &&
      !rule.byMonthDay.some((monthDay) => (monthDay > 0 ? day === monthDay : day === length + monthDay + 1))
    ) return false
    if (rule.byDay.length === 0) return true
    const weekday = weekdayOf(epochDay)
    return rule.byDay.some((byDay) => {
      if (byDay.weekday !== weekday) return false
      if (byDay.ordinal === undefined) return true
      return yearScope
        ? ordinalMatches(byDay.ordinal, epochDay - epochDayOf(year, 1, 1), daysInYear(year))
        : ordinalMatches(byDay.ordinal, day - 1, length)
    })
  }
}

const monthDays = (year: number, month: number, matches: ReturnType<typeof dayMatcher>): Array<number> => {
  const first = epochDayOf(year, month, 1)
  const days: Array<number> = []
  for (let day = 1; day <= daysInMonth(year, month); day++) {
    if (matches(year, month, day, first + day - 1)) days.push(first + day - 1)
  }
  return days
}

const ALL_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]

/** The periods of the rule, from the one holding `startDay`. */
function* periods(rule: RecurrenceRule, startDay: number): Generator<Period> {
  const start = civilDateOf(startDay)
  const { interval } = rule
  switch (rule.frequency) {
    case "DAILY": {
      const weekdays = new Set(rule.byDay.map((byDay) => byDay.weekday))
      for (let day = startDay;; day += interval) {
        yield { firstDay: day, days: weekdays.size === 0 || weekdays.has(weekdayOf(day)) ? [day] : [] }
      }
    }
    case "WEEKLY": {
      const weekdays = rule.byDay.length === 0
        ? [weekdayOf(startDay)]
        : [...new Set(rule.byDay.map((byDay) => byDay.weekday))].sort((a, b) => a - b)
      for (let monday = startDay - weekdayOf(startDay);; monday += 7 * interval) {
        yield { firstDay: monday, days: weekdays.map((weekday) => monday + weekday) }
      }
    }
    case "MONTHLY": {
      const matches = dayMatcher(rule, start)
      for (let index = start.year * 12 + start.month - 1;; index += interval) {
        const year = Math.floor(index / 12)
        const month = (index % 12) + 1
        yield { firstDay: epochDayOf(year, month, 1), days: monthDays(year, month, matches) }
      }
    }
    case "YEARLY": {
      const matches = dayMatcher(rule, start)
      const months = rule.byMonth.length > 0
        ? [...new Set(rule.byMonth)].sort((a, b) => a - b)
        : rule.byMonthDay.length > 0 || rule.byDay.length > 0
        ? ALL_MONTHS
        : [start.month]
      for (let year = start.year;; year += interval) {
        yield { firstDay: epochDayOf(year, 1, 1), days: months.flatMap((month) => monthDays(year, month, matches)) }
      }
    }
  }
}

/** The local dates of the rule's instances after `startDay` (its own instance), in order, up to `LAST_DAY`. */
export function* datesAfter(rule: RecurrenceRule, startDay: number): Generator<number> {
  let idle = 0
  for (const period of periods(rule, startDay)) {
    if (period.firstDay > LAST_DAY) return
    let found = false
    for (const day of period.days) {
      if (day <= startDay) continue
      if (day > LAST_DAY) return
      found = true
      yield day
    }
    idle = found ? 0 : idle + 1
    if (idle > PERIODS_IN_CYCLE[rule.frequency] + 1) return
  }
}
