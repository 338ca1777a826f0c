/**
 * Calendar dates without a zone (the proleptic Gregorian calendar), as whole days since
 * 1970-01-01. Plain integer arithmetic: `Date.UTC` reads years 0–99 as 19xx.
 */

export interface CivilDate {
  readonly year: number
  /** 1–12 */
  readonly month: number
  /** 1–31 */
  readonly day: number
}

export const MILLIS_PER_DAY = 86_400_000

/** Days since 1970-01-01 (H. Hinnant's `days_from_civil`). */
export const epochDayOf = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** The date of a day since 1970-01-01 (H. Hinnant's `civil_from_days`). */
export const civilDateOf = (epochDay: number): CivilDate => {
  const z = epochDay + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

export const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

export const daysInMonth = (year: number, month: number): number => month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!

export const daysInYear = (year: number): number => (isLeapYear(year) ? 366 : 365)

/** 0 for Monday … 6 for Sunday, as RFC 5545 weeks start on Monday by default. 1970-01-01 was a Thursday. */
export const weekdayOf = (epochDay: number): number => (((epochDay + 3) % 7) + 7) % 7
