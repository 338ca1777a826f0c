/**
 * The task that completing a recurring one creates: a pure function of the task and the moment
 * it was completed.
 *
 * The rule is expanded from the due date as wall-clock time in the task's zone (UTC without
 * one), so a daily 09:00 stays 09:00 there across daylight-saving changes. A wall-clock time the
 * zone skips (a spring-forward gap) is read with the offset in force before the gap, which moves
 * it forward by the gap's length (02:30 becomes 03:30); one the zone passes twice (an autumn
 * overlap) is the first of the two. Both are RFC 5545 §3.3.5's rules, and Temporal's
 * "compatible" disambiguation. A due date that lies that close after a gap is read back as the
 * time the gap skipped, so that the series returns to 02:30 the day after (see `seriesWallClock`).
 */
import { DateTime, Either } from "effect"
import { MILLIS_PER_DAY } from "./CivilCalendar.js"
import { datesAfter } from "./RecurrenceExpansion.js"
import { parseRecurrence, withCount } from "./RecurrenceRule.js"
import type { Task, TaskDraft } from "./Task.js"
import { zoneOf } from "./TimeZone.js"

const offsetAt = (epochMillis: number, zone: DateTime.TimeZone): number =>
  DateTime.zonedOffset(DateTime.unsafeMakeZoned(epochMillis, { timeZone: zone }))

/** The local wall-clock time of an instant, as milliseconds since 1970-01-01T00:00 on that clock. */
const wallClockOf = (epochMillis: number, zone: DateTime.TimeZone): number => epochMillis + offsetAt(epochMillis, zone)

const LOOK_BACK_FOR_GAP = 6 * 3_600_000

/**
 * The wall-clock time a series runs at, from its due date. An instant within a gap's length
 * after a spring-forward gap (03:30 just after 02:00 became 03:00) is where a time the gap
 * skipped lands (02:30); it is read as that time, or else an occurrence moved forward out of a
 * gap would move every later one forward too. (A series deliberately started at 03:30 on that
 * one morning runs at 02:30 afterwards: the instant alone cannot tell the two apart.)
 */
const seriesWallClock = (due: number, zone: DateTime.TimeZone): number => {
  const offset = offsetAt(due, zone)
  const gap = offset - offsetAt(due - LOOK_BACK_FOR_GAP, zone)
  return gap > 0 && offsetAt(due - gap, zone) !== offset ? due + offset - gap : due + offset
}

const instantAt = (wallClock: number, zone: DateTime.TimeZone): number =>
  DateTime.toEpochMillis(
    DateTime.unsafeMakeZoned(wallClock, { timeZone: zone, adjustForTimeZone: true, disambiguation: "compatible" })
  )

/**
 * The next occurrence of `task` when it is completed at `completedAt`, or `null` when it does
 * not repeat or its series has ended: the earliest instance of its rule later than both its due
 * date and `completedAt` (an overdue series catches up rather than piling up copies).
 */
export const nextOccurrence = (task: Task, completedAt: DateTime.Utc): TaskDraft | null => {
  if (task.recurrence === null || task.due_date === null) return null
  const rule = Either.getOrThrowWith(
    parseRecurrence(task.recurrence),
    (message) => new Error(`task ${task.id} holds a recurrence it should never have been given: ${message}`)
  )
  const zone = zoneOf(task.timezone)
  const due = DateTime.toEpochMillis(task.due_date)
  const dueWallClock = seriesWallClock(due, zone)
  const startDay = Math.floor(dueWallClock / MILLIS_PER_DAY)
  const timeOfDay = dueWallClock - startDay * MILLIS_PER_DAY
  const reference = Math.max(due, DateTime.toEpochMillis(completedAt))
  const referenceDay = Math.floor(wallClockOf(reference, zone) / MILLIS_PER_DAY)

  // The due date is the series' instance 0, as RFC 5545 counts DTSTART.
  let moved = 0
  for (const day of datesAfter(rule, startDay)) {
    moved++
    if (rule.count !== undefined && moved >= rule.count) return null
    if (rule.until?._tag === "Date" && day > rule.until.epochDay) return null
    // Two local days before the reference's is before it, whatever the offsets: no zone lookup needed.
    if (day < referenceDay - 1) continue
    const instant = instantAt(day * MILLIS_PER_DAY + timeOfDay, zone)
    if (rule.until?._tag === "Instant" && instant > rule.until.epochMillis) return null
    if (instant <= reference) continue
    return {
      title: task.title,
      description: task.description,
      completed: false,
      priority: task.priority,
      tags: task.tags,
      due_date: DateTime.unsafeMake(instant),
      recurrence: rule.count === undefined ? task.recurrence : withCount(rule, rule.count - moved),
      timezone: task.timezone,
      remind_at: task.remind_at === null
        ? null
        : DateTime.unsafeMake(instant + DateTime.toEpochMillis(task.remind_at) - due),
      created_at: completedAt,
      updated_at: completedAt
    }
  }
  return null
}
