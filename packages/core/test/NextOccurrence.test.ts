import { describe, expect, it } from "@effect/vitest"
import { nextOccurrence, type Task } from "@todo/core"
import { DateTime } from "effect"
import { recurringTask } from "./support/RecurringTask.js"

/** Completes each copy at `completeAt(copy)` (default: on its due date), `times` times; the copies' due dates, on the task's own clock. */
const series = (first: Task, times: number, completeAt = (task: Task) => task.due_date!): Array<string> => {
  const dues: Array<string> = []
  let task = first
  for (let i = 0; i < times; i++) {
    const copy = nextOccurrence(task, completeAt(task))
    if (copy === null) break
    dues.push(
      first.timezone === null
        ? DateTime.formatIso(copy.due_date!)
        : DateTime.formatIsoOffset(DateTime.unsafeMakeZoned(copy.due_date!, { timeZone: first.timezone }))
    )
    task = { ...task, ...copy }
  }
  return dues
}

const at = (iso: string) => DateTime.unsafeMake(iso)

describe("the next occurrence", () => {
  it("a daily 09:00 in Europe/Berlin stays 09:00 across both daylight-saving changes", () => {
    const spring = recurringTask({ due: "2026-03-27T09:00:00+01:00", recurrence: "FREQ=DAILY", timezone: "Europe/Berlin" })
    expect(series(spring, 3)).toEqual([
      "2026-03-28T09:00:00.000+01:00",
      "2026-03-29T09:00:00.000+02:00",
      "2026-03-30T09:00:00.000+02:00"
    ])
    const autumn = recurringTask({ due: "2026-10-24T09:00:00+02:00", recurrence: "FREQ=DAILY", timezone: "Europe/Berlin" })
    expect(series(autumn, 2)).toEqual(["2026-10-25T09:00:00.000+01:00", "2026-10-26T09:00:00.000+01:00"])
  })

  it("a daily 09:00 in America/New_York stays 09:00 across both daylight-saving changes", () => {
    const spring = recurringTask({ due: "2026-03-07T09:00:00-05:00", recurrence: "FREQ=DAILY", timezone: "America/New_York" })
    expect(series(spring, 2)).toEqual(["2026-03-08T09:00:00.000-04:00", "2026-03-09T09:00:00.000-04:00"])
    const autumn = recurringTask({ due: "2026-10-31T09:00:00-04:00", recurrence: "FREQ=DAILY", timezone: "America/New_York" })
    expect(series(autumn, 2)).toEqual(["2026-11-01T09:00:00.000-05:00", "2026-11-02T09:00:00.000-05:00"])
  })

  it("without a zone the series keeps UTC's clock, so the local time moves with daylight saving", () => {
    const task = recurringTask({ due: "2026-03-28T08:00:00Z", recurrence: "FREQ=DAILY" })
    expect(series(task, 2)).toEqual(["2026-03-29T08:00:00.000Z", "2026-03-30T08:00:00.000Z"])
  })

  it("a time the spring change skips moves forward by the gap, that day only", () => {
    const berlin = recurringTask({ due: "2026-03-28T02:30:00+01:00", recurrence: "FREQ=DAILY", timezone: "Europe/Berlin" })
    expect(series(berlin, 2)).toEqual(["2026-03-29T03:30:00.000+02:00", "2026-03-30T02:30:00.000+02:00"])
    // Lord Howe Island moves its clocks by half an hour, from 02:00 to 02:30.
    const lordHowe = recurringTask({ due: "2026-10-03T02:15:00+10:30", recurrence: "FREQ=DAILY", timezone: "Australia/Lord_Howe" })
    expect(series(lordHowe, 2)).toEqual(["2026-10-04T02:45:00.000+11:00", "2026-10-05T02:15:00.000+11:00"])
  })

  it("a due date within a gap's length after the gap stands for the skipped time; one later that morning for itself", () => {
    const justAfter = recurringTask({ due: "2026-03-29T03:30:00+02:00", recurrence: "FREQ=DAILY", timezone: "Europe/Berlin" })
    expect(series(justAfter, 1)).toEqual(["2026-03-30T02:30:00.000+02:00"])
    const later = recurringTask({ due: "2026-03-29T04:00:00+02:00", recurrence: "FREQ=DAILY", timezone: "Europe/Berlin" })
    expect(series(later, 1)).toEqual(["2026-03-30T04:00:00.000+02:00"])
  })

  it("a time the autumn change repeats is the first of the two", () => {
    const task = recurringTask({ due: "2026-10-24T02:30:00+02:00", recurrence: "FREQ=DAILY", timezone: "Europe/Berlin" })
    expect(series(task, 2)).toEqual(["2026-10-25T02:30:00.000+02:00", "2026-10-26T02:30:00.000+01:00"])
  })

  it("monthly on the 31st skips the months without one, and never settles on the 28th", () => {
    const task = recurringTask({ due: "2026-01-31T18:00:00Z", recurrence: "FREQ=MONTHLY" })
    expect(series(task, 7)).toEqual([
      "2026-03-31T18:00:00.000Z",
      "2026-05-31T18:00:00.000Z",
      "2026-07-31T18:00:00.000Z",
      "2026-08-31T18:00:00.000Z",
      "2026-10-31T18:00:00.000Z",
      "2026-12-31T18:00:00.000Z",
      "2027-01-31T18:00:00.000Z"
    ])
  })

  it("the last day of every month is BYMONTHDAY=-1", () => {
    const task = recurringTask({ due: "2028-01-31T09:00:00+01:00", recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1", timezone: "Europe/Berlin" })
    expect(series(task, 3)).toEqual([
      "2028-02-29T09:00:00.000+01:00",
      "2028-03-31T09:00:00.000+02:00",
      "2028-04-30T09:00:00.000+02:00"
    ])
  })

  it("yearly on February 29 comes back in leap years only", () => {
    const task = recurringTask({ due: "2024-02-29T12:00:00Z", recurrence: "FREQ=YEARLY" })
    expect(series(task, 3)).toEqual(["2028-02-29T12:00:00.000Z", "2032-02-29T12:00:00.000Z", "2036-02-29T12:00:00.000Z"])
  })

  it("COUNT counts the occurrences left, this one included, down to no copy at all", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=WEEKLY;COUNT=3" })
    const second = nextOccurrence(task, task.due_date!)!
    expect(second.recurrence).toBe("FREQ=WEEKLY;COUNT=2")
    const third = nextOccurrence({ ...task, ...second }, second.due_date!)!
    expect(third.recurrence).toBe("FREQ=WEEKLY;COUNT=1")
    expect(nextOccurrence({ ...task, ...third }, third.due_date!)).toBeNull()
    expect(nextOccurrence(recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=DAILY;COUNT=1" }), at("2026-06-01T09:00:00Z")))
      .toBeNull()
  })

  it("COUNT keeps its place among the parts", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "COUNT=10;FREQ=DAILY;INTERVAL=2" })
    expect(nextOccurrence(task, task.due_date!)!.recurrence).toBe("COUNT=9;FREQ=DAILY;INTERVAL=2")
  })

  it("an overdue series catches up to the first instance after the completion, counting the ones it passed", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=DAILY;COUNT=30", remindAt: "2026-06-01T08:45:00Z" })
    const copy = nextOccurrence(task, at("2026-06-10T12:00:00Z"))!
    expect(DateTime.formatIso(copy.due_date!)).toBe("2026-06-11T09:00:00.000Z")
    expect(copy.recurrence).toBe("FREQ=DAILY;COUNT=20")
    expect(DateTime.formatIso(copy.remind_at!)).toBe("2026-06-11T08:45:00.000Z")
    expect(nextOccurrence(task, at("2026-07-01T12:00:00Z"))).toBeNull()
  })

  it("an instance at the very moment of completion is not later than it: the one after is next", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=DAILY" })
    expect(DateTime.formatIso(nextOccurrence(task, at("2026-06-02T09:00:00Z"))!.due_date!)).toBe("2026-06-03T09:00:00.000Z")
  })

  it("completed before it is due, the next is the instance after the due date", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=WEEKLY" })
    expect(DateTime.formatIso(nextOccurrence(task, at("2026-05-20T00:00:00Z"))!.due_date!)).toBe("2026-06-08T09:00:00.000Z")
  })

  it("UNTIL as a date runs through the end of that day in the task's zone", () => {
    const task = recurringTask({ due: "2026-01-04T22:00:00-05:00", recurrence: "FREQ=DAILY;UNTIL=20260105", timezone: "America/New_York" })
    expect(series(task, 5)).toEqual(["2026-01-05T22:00:00.000-05:00"])
  })

  it("UNTIL as a UTC date-time includes an instance at that very moment", () => {
    const task = recurringTask({ due: "2026-01-01T09:00:00Z", recurrence: "FREQ=DAILY;UNTIL=20260103T090000Z" })
    expect(series(task, 5)).toEqual(["2026-01-02T09:00:00.000Z", "2026-01-03T09:00:00.000Z"])
  })

  it("the reminder keeps its distance from the due date, before or after it", () => {
    const before = recurringTask({
      due: "2026-03-28T09:00:00+01:00",
      recurrence: "FREQ=DAILY",
      timezone: "Europe/Berlin",
      remindAt: "2026-03-27T09:00:00+01:00"
    })
    const copy = nextOccurrence(before, before.due_date!)!
    expect(DateTime.toEpochMillis(copy.due_date!) - DateTime.toEpochMillis(copy.remind_at!)).toBe(24 * 3_600_000)
    const after = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=DAILY", remindAt: "2026-06-01T09:30:00Z" })
    expect(DateTime.formatIso(nextOccurrence(after, after.due_date!)!.remind_at!)).toBe("2026-06-02T09:30:00.000Z")
  })

  it("the copy carries the task's fields, not completed, created at the completion", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=DAILY", timezone: "Asia/Kolkata" })
    const completedAt = at("2026-06-01T10:00:00Z")
    expect(nextOccurrence(task, completedAt)).toEqual({
      title: task.title,
      description: task.description,
      completed: false,
      priority: task.priority,
      tags: task.tags,
      due_date: at("2026-06-02T09:00:00Z"),
      recurrence: "FREQ=DAILY",
      timezone: "Asia/Kolkata",
      remind_at: null,
      created_at: completedAt,
      updated_at: completedAt
    })
  })

  it("a task without a recurrence or a due date has no next occurrence", () => {
    const task = recurringTask({ due: "2026-06-01T09:00:00Z", recurrence: "FREQ=DAILY" })
    expect(nextOccurrence({ ...task, recurrence: null }, task.due_date!)).toBeNull()
    expect(nextOccurrence({ ...task, due_date: null }, task.due_date!)).toBeNull()
  })

  it("a rule that selects no date ever has no next occurrence, and says so at once", () => {
    for (
      const recurrence of ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=5MO", "FREQ=DAILY;INTERVAL=7;BYDAY=TU"]
    ) {
      const started = performance.now()
      expect(nextOccurrence(recurringTask({ due: "2026-06-03T09:00:00Z", recurrence }), at("2026-06-03T09:00:00Z"))).toBeNull()
      expect(performance.now() - started).toBeLessThan(500)
    }
  })
})

// The examples of RFC 5545 §3.8.5.3 (DTSTART 1997, America/New_York) that our subset can say.
describe("RFC 5545's own examples", () => {
  const rfc = (due: string, recurrence: string) => recurringTask({ due, recurrence, timezone: "America/New_York" })

  it("monthly on the first Friday", () => {
    expect(series(rfc("1997-09-05T09:00:00-04:00", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR"), 3)).toEqual([
      "1997-10-03T09:00:00.000-04:00",
      "1997-11-07T09:00:00.000-05:00",
      "1997-12-05T09:00:00.000-05:00"
    ])
  })

  it("every other week on Monday, Wednesday and Friday until December 24", () => {
    const dues = series(
      rfc("1997-09-01T09:00:00-04:00", "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=MO;BYDAY=MO,WE,FR".replace(";WKST=MO", "")),
      100
    )
    expect(dues.slice(0, 6).map((due) => due.slice(0, 10))).toEqual([
      "1997-09-03",
      "1997-09-05",
      "1997-09-15",
      "1997-09-17",
      "1997-09-19",
      "1997-09-29"
    ])
    expect(dues.at(-1)?.slice(0, 10)).toBe("1997-12-22")
    expect(dues).toHaveLength(24)
  })

  it("monthly on the second-to-last Monday", () => {
    expect(series(rfc("1997-09-22T09:00:00-04:00", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO"), 3).map((due) => due.slice(0, 10)))
      .toEqual(["1997-10-20", "1997-11-17", "1997-12-22"])
  })

  it("monthly on the third-to-last day of the month", () => {
    expect(series(rfc("1997-09-28T09:00:00-04:00", "FREQ=MONTHLY;BYMONTHDAY=-3"), 3).map((due) => due.slice(0, 10)))
      .toEqual(["1997-10-29", "1997-11-28", "1997-12-29"])
  })

  it("yearly in June and July, ten times", () => {
    const dues = series(rfc("1997-06-10T09:00:00-04:00", "FREQ=YEARLY;COUNT=10;BYMONTH=6,7"), 20)
    expect(dues.map((due) => due.slice(0, 10))).toEqual([
      "1997-07-10",
      "1998-06-10",
      "1998-07-10",
      "1999-06-10",
      "1999-07-10",
      "2000-06-10",
      "2000-07-10",
      "2001-06-10",
      "2001-07-10"
    ])
  })

  it("every Friday the 13th", () => {
    expect(series(rfc("1997-09-02T09:00:00-04:00", "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"), 4).map((due) => due.slice(0, 10)))
      .toEqual(["1998-02-13", "1998-03-13", "1998-11-13", "1999-08-13"])
  })

  it("the first Saturday that follows the first Sunday of the month", () => {
    expect(series(rfc("1997-09-13T09:00:00-04:00", "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13"), 3).map((due) => due.slice(0, 10)))
      .toEqual(["1997-10-11", "1997-11-08", "1997-12-13"])
  })

  it("US presidential election day: every four years, the first Tuesday after a Monday in November", () => {
    expect(
      series(rfc("1996-11-05T09:00:00-05:00", "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8"), 3)
        .map((due) => due.slice(0, 10))
    ).toEqual(["2000-11-07", "2004-11-02", "2008-11-04"])
  })

  it("every 20th Monday of the year is beyond our ordinals, but the last Friday of the year is not", () => {
    expect(series(rfc("1997-12-26T09:00:00-05:00", "FREQ=YEARLY;BYDAY=-1FR"), 2).map((due) => due.slice(0, 10)))
      .toEqual(["1998-12-25", "1999-12-31"])
  })
})
