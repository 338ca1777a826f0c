/**
 * The contract's subset of an RFC 5545 `RRULE`: parsed, checked and written back the way it is
 * stored (a leading `RRULE:` removed, upper case, the parts in the order sent).
 */
import { Either, ParseResult, Schema } from "effect"
import { daysInMonth, epochDayOf, MILLIS_PER_DAY } from "./CivilCalendar.js"

export type Frequency = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY"

export interface WeekdayRule {
  /** 0 for Monday … 6 for Sunday. */
  readonly weekday: number
  /** The n-th (or, negative, n-th last) such weekday of the month or year; none means every one. */
  readonly ordinal: number | undefined
}

/** A date means through the end of that day in the task's zone; a date-time is an instant. */
export type Until =
  | { readonly _tag: "Date"; readonly epochDay: number }
  | { readonly _tag: "Instant"; readonly epochMillis: number }

export interface RecurrenceRule {
  readonly frequency: Frequency
  readonly interval: number
  readonly byDay: ReadonlyArray<WeekdayRule>
  readonly byMonthDay: ReadonlyArray<number>
  readonly byMonth: ReadonlyArray<number>
  /** Occurrences left, this one included. */
  readonly count: number | undefined
  readonly until: Until | undefined
  /** Name and value of each part, upper case, in the order sent. */
  readonly parts: ReadonlyArray<readonly [string, string]>
}

export const MAX_RECURRENCE_LENGTH = 500
export const MAX_INTERVAL = 1000
const MAX_ORDINAL = 5

const FREQUENCIES: ReadonlyArray<Frequency> = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
const SUPPORTED = ["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL"]

const PART = /^([A-Z][A-Z0-9-]*)=(.*)$/
const WHOLE_NUMBER = /^\d{1,16}$/
const SIGNED_NUMBER = /^[+-]?\d{1,2}$/
const BYDAY_ITEM = /^(?:([+-]?)(\d{1,2}))?(MO|TU|WE|TH|FR|SA|SU)$/
const UNTIL_VALUE = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/

const messages = {
  empty: "must be an RRULE value such as FREQ=WEEKLY;BYDAY=MO",
  tooLong: `must be at most ${MAX_RECURRENCE_LENGTH} characters`,
  notParts: "must be NAME=VALUE parts separated by semicolons, such as FREQ=WEEKLY;BYDAY=MO",
  unsupported: (name: string) =>
    `${name.length <= 20 ? `${name} is` : "a part is"} not supported; the parts allowed are ${SUPPORTED.join(", ")}`,
  repeated: (name: string) => `${name} may be given only once`,
  noFrequency: "needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)",
  frequency: "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY",
  interval: `INTERVAL must be a whole number from 1 to ${MAX_INTERVAL}`,
  byDay:
    "BYDAY must list weekdays (MO, TU, WE, TH, FR, SA, SU) separated by commas, each with an optional ordinal from 1 to 5 or -1 to -5 (1MO, -1FR)",
  ordinal: "BYDAY with an ordinal (such as 1MO or -1FR) needs FREQ=MONTHLY or FREQ=YEARLY",
  byMonthDay: "BYMONTHDAY must list days of the month from 1 to 31 or -1 to -31, separated by commas",
  byMonthDayFrequency: "BYMONTHDAY needs FREQ=MONTHLY or FREQ=YEARLY",
  byMonth: "BYMONTH must list months from 1 to 12, separated by commas",
  byMonthFrequency: "BYMONTH needs FREQ=YEARLY",
  count: "COUNT must be a whole number of 1 or more",
  until: "UNTIL must be a UTC date-time such as 20301231T235959Z, or a date such as 20301231",
  countWithUntil: "COUNT and UNTIL cannot both be given"
}

const listOf = <A>(value: string, item: (text: string) => A | undefined): ReadonlyArray<A> | undefined => {
  const items: Array<A> = []
  for (const text of value.split(",")) {
    const parsed = item(text)
    if (parsed === undefined) return undefined
    items.push(parsed)
  }
  return items
}

const wholeNumber = (text: string, min: number, max: number): number | undefined => {
  if (!WHOLE_NUMBER.test(text)) return undefined
  const n = Number(text)
  return n >= min && n <= max ? n : undefined
}

const monthDay = (text: string): number | undefined => {
  if (!SIGNED_NUMBER.test(text)) return undefined
  const n = Number(text)
  return n !== 0 && Math.abs(n) <= 31 ? n : undefined
}

const weekdayRule = (text: string): WeekdayRule | undefined => {
  const match = BYDAY_ITEM.exec(text)
  if (match === null) return undefined
  const [, sign, digits, weekday] = match
  const weekdayIndex = WEEKDAYS.indexOf(weekday!)
  if (digits === undefined) return { weekday: weekdayIndex, ordinal: undefined }
  const n = Number(digits)
  if (n < 1 || n > MAX_ORDINAL) return undefined
  return { weekday: weekdayIndex, ordinal: sign === "-" ? -n : n }
}

const untilOf = (text: string): Until | undefined => {
  const match = UNTIL_VALUE.exec(text)
  if (match === null) return undefined
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part)))
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return undefined
  const epochDay = epochDayOf(year!, month!, day!)
  if (hours === undefined) return { _tag: "Date", epochDay }
  if (hours > 23 || minutes! > 59 || seconds! > 59) return undefined
  return { _tag: "Instant", epochMillis: epochDay * MILLIS_PER_DAY + ((hours * 60 + minutes!) * 60 + seconds!) * 1000 }
}

/** The rule, or the first thing wrong with it, said for a person. */
export const parseRecurrence = (text: string): Either.Either<RecurrenceRule, string> => {
  if (text.length > MAX_RECURRENCE_LENGTH) return Either.left(messages.tooLong)
  const upper = text.trim().toUpperCase()
  const body = upper.startsWith("RRULE:") ? upper.slice("RRULE:".length) : upper
  if (body === "") return Either.left(messages.empty)
  const parts: Array<readonly [string, string]> = []
  for (const part of body.split(";")) {
    const match = PART.exec(part)
    if (match === null) return Either.left(messages.notParts)
    const [, name, value] = match as unknown as [string, string, string]
    if (!SUPPORTED.includes(name)) return Either.left(messages.unsupported(name))
    if (parts.some(([seen]) => seen === name)) return Either.left(messages.repeated(name))
    parts.push([name, value])
  }
  const valueOf = (name: string) => parts.find(([seen]) => seen === name)?.[1]

  const frequencyText = valueOf("FREQ")
  if (frequencyText === undefined) return Either.left(messages.noFrequency)
  const frequency = FREQUENCIES.find((candidate) => candidate === frequencyText)
  if (frequency === undefined) return Either.left(messages.frequency)
  const monthlyOrYearly = frequency === "MONTHLY" || frequency === "YEARLY"

  const intervalText = valueOf("INTERVAL")
  const interval = intervalText === undefined ? 1 : wholeNumber(intervalText, 1, MAX_INTERVAL)
  if (interval === undefined) return Either.left(messages.interval)

  const byDayText = valueOf("BYDAY")
  const byDay = byDayText === undefined ? [] : listOf(byDayText, weekdayRule)
  if (byDay === undefined) return Either.left(messages.byDay)
  if (!monthlyOrYearly && byDay.some((rule) => rule.ordinal !== undefined)) return Either.left(messages.ordinal)

  const byMonthDayText = valueOf("BYMONTHDAY")
  const byMonthDay = byMonthDayText === undefined ? [] : listOf(byMonthDayText, monthDay)
  if (byMonthDay === undefined) return Either.left(messages.byMonthDay)
  if (byMonthDay.length > 0 && !monthlyOrYearly) return Either.left(messages.byMonthDayFrequency)

  const byMonthText = valueOf("BYMONTH")
  const byMonth = byMonthText === undefined ? [] : listOf(byMonthText, (item) => wholeNumber(item, 1, 12))
  if (byMonth === undefined) return Either.left(messages.byMonth)
  if (byMonth.length > 0 && frequency !== "YEARLY") return Either.left(messages.byMonthFrequency)

  const countText = valueOf("COUNT")
  const count = countText === undefined ? undefined : wholeNumber(countText, 1, Number.MAX_SAFE_INTEGER)
  if (countText !== undefined && count === undefined) return Either.left(messages.count)

  const untilText = valueOf("UNTIL")
  const until = untilText === undefined ? undefined : untilOf(untilText)
  if (untilText !== undefined && until === undefined) return Either.left(messages.until)
  if (count !== undefined && until !== undefined) return Either.left(messages.countWithUntil)

  return Either.right({ frequency, interval, byDay, byMonthDay, byMonth, count, until, parts })
}

/** The rule as stored. */
export const formatRecurrence = (rule: Pick<RecurrenceRule, "parts">): string =>
  rule.parts.map(([name, value]) => `${name}=${value}`).join(";")

/** The same rule with `COUNT` set to `count`, in the place it had. */
export const withCount = (rule: RecurrenceRule, count: number): string =>
  formatRecurrence({ parts: rule.parts.map(([name, value]) => [name, name === "COUNT" ? String(count) : value] as const) })

/** A recurrence as sent, decoded to the form it is stored and returned in. */
export const Recurrence = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (text, _, ast) =>
    Either.match(parseRecurrence(text), {
      onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, text, message)),
      onRight: (rule) => ParseResult.succeed(formatRecurrence(rule))
    }),
  encode: ParseResult.succeed
}).annotations({
  description:
    "An RFC 5545 RRULE value: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, COUNT or UNTIL; returned upper-case without a leading RRULE:",
  examples: ["FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=-1"]
})
