/** Reading back the date-times PostgreSQL writes. */
const TIMESTAMPTZ_TEXT = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/

/**
 * A `timestamptz` as PostgreSQL writes it, in text (`2030-01-01 09:00:00+00`) or in JSON
 * (`2030-01-01T09:00:00+00:00`), with the session's offset, seconds included (local mean times
 * of early years). `new Date(text)` reads the years 1 to 99 as 2001 and 1901 to 1999, and no
 * offset with seconds; anything this does not know goes to it.
 */
export const parseTimestamptz = (text: string): Date => {
  const parts = TIMESTAMPTZ_TEXT.exec(text)
  if (parts === null) return new Date(text)
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const [fraction = "", sign, offsetHours, offsetMinutes = "0", offsetSeconds = "0"] = parts.slice(7)
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, "0")))
  const offset = (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 + Number(offsetSeconds)) * 1000
  return new Date(date.getTime() - (sign === "-" ? -offset : offset))
}
