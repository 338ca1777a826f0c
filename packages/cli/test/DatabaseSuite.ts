/** Every command that touches the database, run against one database the caller provides. */
import { MIGRATIONS } from "@todo/postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { todoAdmin, type TodoAdmin } from "./TodoAdmin.js"

const TIMEOUT = 60_000

export interface TestDatabase {
  readonly env: Record<string, string>
  /** Runs a statement on the database directly, not through todo-admin. */
  readonly run: (statement: string) => Promise<void>
  readonly dispose: () => Promise<void>
}

/** Tasks with their ids left out, and a next occurrence named by its title instead. */
const withoutIds = (tasks: ReadonlyArray<Record<string, unknown>>) =>
  tasks.map(({ id: _id, next_occurrence_id, ...task }) => ({
    ...task,
    next_occurrence: tasks.find((other) => other["id"] === next_occurrence_id)?.["title"] ?? null
  }))

const ndjson = (text: string) => text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line))

export const databaseSuite = (name: string, database: () => Promise<TestDatabase>) =>
  describe(name, () => {
    let db: TestDatabase
    let cli: TodoAdmin

    beforeAll(async () => {
      db = await database()
      cli = await todoAdmin(db.env)
    }, TIMEOUT)

    afterAll(async () => {
      await cli?.dispose()
      await db?.dispose()
    })

    it("on a new database migrate --status and doctor show every migration pending; migrate applies them, in order", async () => {
      const pending = Object.keys(MIGRATIONS)
      expect(pending).toEqual([
        "0001_create_tasks",
        "0002_paging_indexes",
        "0003_recurrence",
        "0004_change_feed",
        "0005_reminders",
        "0006_webhooks"
      ])
      expect(await cli.json(["migrate", "--status", "--json"])).toEqual({ applied: [], pending })
      const checks: Array<{ check: string; verdict: string; detail: string }> = await cli.run(["doctor", "--json"])
        .then((outcome) => JSON.parse(outcome.stdout))
      expect(checks).toContainEqual({
        check: "database",
        verdict: "warn",
        detail: expect.stringContaining(`${pending.length} migration(s) pending: ${pending.join(", ")} (run todo-admin migrate)`)
      })
      const applied = await cli.run(["migrate"])
      expect(applied).toMatchObject({
        code: 0,
        stdout: `Applied ${pending.length} migrations:\n${pending.map((name) => `  ${name}\n`).join("")}`
      })
      expect(await cli.json(["migrate", "--status", "--json"])).toEqual({ applied: pending, pending: [] })
      expect(await cli.json(["migrate", "--json"])).toEqual({ applied: [] })
    }, TIMEOUT)

    it("tasks add, update, complete, reopen, show and delete go through the use-cases, for the owner only", async () => {
      const created = await cli.json([
        "tasks",
        "add",
        "--user",
        "ada",
        "--title",
        "  Write the report ",
        "--description",
        "draft",
        "--tag",
        "work",
        "--tag",
        "urgent",
        "--due",
        "2030-01-31T18:00:00+01:00",
        "--json"
      ])
      expect(created).toMatchObject({
        user_id: "ada",
        title: "Write the report",
        description: "draft",
        completed: false,
        priority: "medium",
        tags: ["work", "urgent"],
        due_date: "2030-01-31T17:00:00.000Z"
      })
      const id = String(created.id)
      const updated = await cli.json([
        "tasks",
        "update",
        "--user",
        "ada",
        id,
        "--priority",
        "high",
        "--clear-due",
        "--clear-description",
        "--json"
      ])
      expect(updated).toMatchObject({ priority: "high", due_date: null, description: null, title: "Write the report" })
      expect(await cli.json(["tasks", "complete", "--user", "ada", id, "--json"])).toMatchObject({ completed: true })
      const reopened = await cli.run(["tasks", "reopen", "--user", "ada", id])
      expect(reopened.stdout).toMatch(/completed\s+no\n/)
      expect(reopened.stdout).toMatch(/title\s+Write the report\n/)
      expect((await cli.run(["tasks", "show", "--user", "intruder", id])).code).toBe(1)
      expect((await cli.run(["tasks", "delete", "--user", "ada", id])).stdout).toBe(`Deleted task ${id}.\n`)
      const gone = await cli.run(["tasks", "show", "--user", "ada", id, "--json"])
      expect(gone).toMatchObject({ code: 1, stdout: "", stderr: `error: No task ${id} exists for this user.\n` })
    }, TIMEOUT)

    it("a weekly task in a zone: add --repeat --tz --remind, complete makes the next occurrence, list and show say so", async () => {
      const created = await cli.json([
        "tasks",
        "add",
        "--user",
        "gardener",
        "--title",
        "Water the plants",
        "--due",
        "2030-03-25T09:00:00+01:00",
        "--repeat",
        "rrule:freq=weekly;byday=mo",
        "--tz",
        "Europe/Berlin",
        "--remind",
        "2030-03-25T08:45:00+01:00",
        "--json"
      ])
      expect(created).toMatchObject({
        recurrence: "FREQ=WEEKLY;BYDAY=MO",
        timezone: "Europe/Berlin",
        remind_at: "2030-03-25T07:45:00.000Z",
        next_occurrence_id: null
      })
      const completed = await cli.run(["tasks", "complete", "--user", "gardener", String(created.id)])
      const next = /next occurrence\s+task (\d+)\n/.exec(completed.stdout)?.[1]
      expect(next).toBeDefined()
      const shown = await cli.run(["tasks", "show", "--user", "gardener", next!])
      expect(shown.stdout).toMatch(/due\s+2030-04-01T07:00:00\.000Z \(2030-04-01 09:00 \+02:00 in Europe\/Berlin\)\n/)
      expect(shown.stdout).toMatch(/repeats\s+FREQ=WEEKLY;BYDAY=MO\n/)
      expect(shown.stdout).toMatch(/remind\s+2030-04-01T06:45:00\.000Z/)
      const table = (await cli.run(["tasks", "list", "--user", "gardener", "--sort", "due_date", "--order", "asc"])).stdout.split("\n")
      expect(table[0]).toMatch(/^ID\s+DONE\s+PRIORITY\s+DUE\s+REPEATS\s+ZONE\s+REMIND\s+NEXT\s+TITLE\s+TAGS$/)
      expect(table[1]).toMatch(
        new RegExp(
          `^${created.id}\\s+x\\s+medium\\s+2030-03-25 08:00Z\\s+FREQ=WEEKLY;BYDAY=MO\\s+Europe/Berlin\\s+2030-03-25 07:45Z\\s+${next}\\s+Water the plants$`
        )
      )
      expect(table[2]).toMatch(
        new RegExp(
          `^${next}\\s+medium\\s+2030-04-01 07:00Z\\s+FREQ=WEEKLY;BYDAY=MO\\s+Europe/Berlin\\s+2030-04-01 06:45Z\\s+Water the plants$`
        )
      )
      const cleared = await cli.json([
        "tasks",
        "update",
        "--user",
        "gardener",
        next!,
        "--clear-repeat",
        "--clear-tz",
        "--clear-remind",
        "--json"
      ])
      expect(cleared).toMatchObject({ recurrence: null, timezone: null, remind_at: null })
      const refused = await cli.run(["tasks", "update", "--user", "gardener", String(created.id), "--clear-due"])
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("recurrence: needs a due_date") })
      expect((await cli.run(["tasks", "add", "--user", "gardener", "--title", "t", "--repeat", "FREQ=HOURLY", "--tz", "Nowhere"])).stderr)
        .toMatch(/recurrence: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY\n.*timezone: must be an IANA time zone name/s)
    }, TIMEOUT)

    it("an invalid task prints each field path and message and exits 1", async () => {
      const outcome = await cli.run(["tasks", "add", "--user", "val", "--title", " ", "--tag", "a", "--tag", "A", "--due", "tomorrow"])
      expect(outcome.code).toBe(1)
      expect(outcome.stderr).toContain("title: must not be empty")
      expect(outcome.stderr).toMatch(/tags\.1: duplicates another tag/)
      expect(outcome.stderr).toMatch(/due_date: must be an RFC 3339 date-time/)
    }, TIMEOUT)

    it("a date that does not exist is refused wherever a date-time is taken, naming the option's field", async () => {
      const add = await cli.run(["tasks", "add", "--user", "val", "--title", "t", "--due", "2030-02-29T09:00:00Z"])
      expect(add).toMatchObject({
        code: 1,
        stderr: "error: invalid input\n  due_date: must be a date that exists: February has 28 days, 29 in leap years\n"
      })
      const list = await cli.run([
        "tasks",
        "list",
        "--user",
        "val",
        "--due-before",
        "2030-04-31T00:00:00Z",
        "--due-after",
        "2030-01-01T24:00:00Z"
      ])
      expect(list.code).toBe(1)
      expect(list.stderr).toContain("due_before: must be a date that exists: April, June, September and November have 30 days")
      expect(list.stderr).toContain("due_after: must be a time that exists: hours run from 00 to 23")
    }, TIMEOUT)

    it("tasks list filters, sorts and pages with the printed cursor; a bad parameter exits 1", async () => {
      const rows = [
        { title: "alpha", priority: "low", tags: ["home"] },
        { title: "bravo", priority: "high", tags: ["work"] },
        { title: "charlie", priority: "high", tags: ["work"], completed: true }
      ].map((row) => JSON.stringify(row)).join("\n")
      expect((await cli.run(["import", "--user", "lister", "-"], { input: rows })).code).toBe(0)
      const sorted = ["tasks", "list", "--user", "lister", "--sort", "title", "--order", "asc", "--limit", "2", "--json"]
      const first = await cli.json(sorted)
      expect(first.tasks.map((task: { title: string }) => task.title)).toEqual(["alpha", "bravo"])
      expect(first.next_cursor).toEqual(expect.any(String))
      expect(await cli.json([...sorted, "--cursor", first.next_cursor])).toMatchObject({ tasks: [{ title: "charlie" }], next_cursor: null })
      const table = await cli.run(["tasks", "list", "--user", "lister", "--status", "pending", "--tag", "WORK"])
      expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+DONE\s+PRIORITY\s+DUE\s+REPEATS\s+ZONE\s+REMIND\s+NEXT\s+TITLE\s+TAGS$/)
      expect(table.stdout).toContain("bravo")
      expect(table.stdout).not.toMatch(/alpha|charlie/)
      const bad = await cli.run(["tasks", "list", "--user", "lister", "--limit", "0", "--sort", "size"])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/limit: must be between 1 and 500/)
      expect(bad.stderr).toMatch(/sort: /)
    }, TIMEOUT)

    it("purge-user without --yes refuses with exit 2", async () => {
      const outcome = await cli.run(["purge-user", "lister"])
      expect(outcome.code).toBe(2)
      expect(outcome.stderr).toContain("add --yes to confirm")
    }, TIMEOUT)

    it("users and stats count every user's tasks (nothing was purged or created by the refused commands)", async () => {
      const users: Array<{ user_id: string; total: number; completed: number }> = await cli.json(["users", "--json"])
      expect(users).toContainEqual({ user_id: "lister", total: 3, completed: 1 })
      expect(users.map((user) => user.user_id)).not.toContain("val")
      const stats = await cli.json(["stats", "--json"])
      expect(stats.tasks).toBe(users.reduce((sum, user) => sum + user.total, 0))
      expect(stats.completed + stats.pending).toBe(stats.tasks)
      expect(stats.users).toBe(users.length)
    }, TIMEOUT)

    let exported = ""

    it("export, purge-user and import round-trip a user's tasks exactly (ids aside, timestamps and next occurrences kept)", async () => {
      const rows = [
        {
          id: 41,
          title: "first",
          description: "with text",
          priority: "high",
          tags: ["a", "b"],
          due_date: "2031-05-01T08:30:00Z",
          completed: true,
          created_at: "2020-01-01T00:00:00Z",
          updated_at: "2020-02-01T00:00:00.123Z",
          recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1",
          timezone: "Asia/Kolkata",
          remind_at: "2031-05-01T08:00:00Z",
          next_occurrence_id: 43
        },
        { id: 42, title: "second", created_at: "2021-01-01T00:00:00Z", updated_at: "2021-01-01T00:00:00Z", next_occurrence_id: 7 },
        { id: 43, title: "third", due_date: "2031-05-31T08:30:00Z", recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1", timezone: "Asia/Kolkata" }
      ]
      expect((await cli.run(["import", "--user", "mover", "-"], { input: JSON.stringify(rows) })).stdout).toBe(
        "Imported 3 tasks for user mover.\n"
      )
      exported = (await cli.run(["export", "--user", "mover"])).stdout
      const before = ndjson(exported)
      expect(before.map((task) => task.title)).toEqual(["first", "second", "third"])
      expect(before[0]).toMatchObject({ created_at: "2020-01-01T00:00:00.000Z", updated_at: "2020-02-01T00:00:00.123Z", completed: true })
      // Linked by the file's own ids; a link to a task outside the file is dropped; nothing imported spawns.
      expect(withoutIds(before).map((task) => task.next_occurrence)).toEqual(["third", null, null])

      expect(await cli.run(["purge-user", "mover", "--yes"])).toMatchObject({ code: 0, stdout: "Deleted 3 tasks of user mover.\n" })
      expect((await cli.run(["import", "--user", "mover", "-"], { input: exported })).code).toBe(0)
      const after: Array<Record<string, unknown>> = JSON.parse((await cli.run(["export", "--user", "mover", "--format", "json"])).stdout)
      expect(withoutIds(after)).toEqual(withoutIds(before))
      exported = after.map((task) => `${JSON.stringify(task)}\n`).join("")
    }, TIMEOUT)

    it("an import with one bad row names its line and imports nothing", async () => {
      const input = `${JSON.stringify({ title: "fine" })}\n\n${JSON.stringify({ title: "", tags: ["x"] })}\n{oops\n`
      const outcome = await cli.run(["import", "--user", "mover", "-"], { input })
      expect(outcome.code).toBe(1)
      expect(outcome.stderr).toBe("error: invalid input\n  line 3, title: must not be empty\n  line 4: is not valid JSON\n")
      expect((await cli.run(["export", "--user", "mover"])).stdout).toBe(exported)
    }, TIMEOUT)

    it("an import with a NUL in a title or a date that does not exist names each line, and imports nothing", async () => {
      const rows = [
        { title: "fine" },
        { title: "nul\u0000byte" },
        { title: "t", due_date: "2030-02-30T00:00:00Z" },
        { title: "t", tags: ["ok", "a\u0000"], created_at: "2030-06-30T23:59:60Z" }
      ]
      const ndjson = await cli.run(["import", "--user", "hostile", "-"], { input: rows.map((row) => JSON.stringify(row)).join("\n") })
      expect(ndjson).toMatchObject({ code: 1, stdout: "" })
      expect(ndjson.stderr).toBe(
        "error: invalid input\n" +
          "  line 2, title: must not contain the NUL character (U+0000)\n" +
          "  line 3, due_date: must be a date that exists: February has 28 days, 29 in leap years\n" +
          "  line 4, tags.1: must not contain the NUL character (U+0000)\n" +
          "  line 4, created_at: must be a time that exists: seconds run from 00 to 59 (leap seconds are not accepted)\n"
      )
      const array = await cli.run(["import", "--user", "hostile", "-"], { input: JSON.stringify(rows.slice(0, 3)) })
      expect(array.stderr).toBe(
        "error: invalid input\n" +
          "  item 2, title: must not contain the NUL character (U+0000)\n" +
          "  item 3, due_date: must be a date that exists: February has 28 days, 29 in leap years\n"
      )
      expect((await cli.run(["export", "--user", "hostile"])).stdout).toBe("")
    }, TIMEOUT)

    it("an import with bytes that are not UTF-8 names their lines, and imports nothing", async () => {
      const input = Buffer.concat([
        Buffer.from(`${JSON.stringify({ title: "fine" })}\n{"title":"bad `),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(`"}\n${JSON.stringify({ title: "fine too" })}\n{"title":"`),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from(`"}\n`)
      ])
      const outcome = await cli.run(["import", "--user", "hostile", "-"], { input })
      expect(outcome).toMatchObject({
        code: 1,
        stderr: "error: invalid input\n  line 2: is not valid UTF-8\n  line 4: is not valid UTF-8\n"
      })
      expect((await cli.run(["export", "--user", "hostile"])).stdout).toBe("")
    }, TIMEOUT)

    it("a migration the database refuses is reported in one line, by migrate and by every data command", async () => {
      const refusing = await database()
      const fresh = await todoAdmin(refusing.env)
      try {
        await refusing.run("CREATE TABLE tasks (note text)")
        const reason =
          "error: migrations could not be applied: Migration \"1_create_tasks\" failed: relation \"tasks\" already exists (SQLSTATE 42P07)\n"
        expect(await fresh.run(["migrate"])).toEqual({ code: 1, stdout: "", stderr: reason })
        expect(await fresh.run(["tasks", "list", "--user", "u"])).toEqual({ code: 1, stdout: "", stderr: reason })
      } finally {
        await fresh.dispose()
        await refusing.dispose()
      }
    }, TIMEOUT)

    it("changes reads a user's feed after a cursor, and --follow prints each change as it comes", async () => {
      const { cursor: start } = await cli.json(["changes", "--user", "watcher", "--json"])
      const first = await cli.json(["tasks", "add", "--user", "watcher", "--title", "first", "--json"])
      await cli.json(["tasks", "update", String(first.id), "--user", "watcher", "--title", "renamed", "--json"])
      const read = await cli.run(["changes", "--user", "watcher", "--since", start, "--json"])
      expect(read.code).toBe(0)
      const lines = ndjson(read.stdout)
      expect(lines.map((line) => [line.type, line.task.title])).toEqual([["created", "first"], ["updated", "renamed"]])
      expect(lines[1]).toEqual({
        cursor: expect.any(String),
        type: "updated",
        task_id: first.id,
        task: expect.any(Object),
        at: expect.any(String)
      })
      const human = await cli.run(["changes", "--user", "watcher", "--since", start])
      expect(human.stdout).toMatch(
        /^\S+Z {2}created {3}task \d+ {2}first\n\S+Z {2}updated {3}task \d+ {2}renamed\nRead on with --since \S+\n$/
      )
      expect(await cli.run(["changes", "--user", "watcher", "--since", "nonsense"])).toMatchObject({
        code: 1,
        stderr: expect.stringContaining("--since: is not a cursor")
      })
      expect(await cli.run(["changes", "--user", "someone-else", "--since", start])).toMatchObject({ code: 1 })

      const follower = cli.start(["changes", "--user", "watcher", "--since", lines[0].cursor, "--follow", "--json"])
      let output = ""
      follower.stdout!.on("data", (chunk: string) => (output += chunk))
      const seen = (count: number) =>
        new Promise<void>((resolve, reject) => {
          const started = Date.now()
          const check = setInterval(() => {
            if (ndjson(output).length >= count) resolve(clearInterval(check))
            else if (Date.now() - started > 30_000) reject(new Error(`followed: ${output}`))
          }, 50)
        })
      try {
        await seen(1)
        expect(ndjson(output)[0]).toMatchObject({ type: "updated", task: { title: "renamed" } })
      } finally {
        follower.kill("SIGINT")
        await new Promise((resolve) => follower.once("exit", resolve))
      }
      // Seven commands, each opening the database (the embedded one takes seconds to).
    }, 3 * TIMEOUT)

    it("doctor reports the database reachable and its schema current", async () => {
      const checks: Array<{ check: string; verdict: string }> = await cli.json(["doctor", "--json"])
      expect(checks).toContainEqual(expect.objectContaining({ check: "database", verdict: "ok" }))
      expect(checks).toContainEqual(expect.objectContaining({ check: "configuration", verdict: "ok" }))
    }, TIMEOUT)
    it("webhooks lists pending and failed deliveries with attempts, last error and next attempt; retry makes them due again", async () => {
      await db.run("UPDATE webhook_settings SET enabled = true")
      try {
        for (const title of ["delivered later", "given up"]) {
          await cli.json(["tasks", "add", "--user", "hooked", "--title", title, "--json"])
        }
      } finally {
        await db.run("UPDATE webhook_settings SET enabled = false")
      }
      await db.run(
        "UPDATE webhook_deliveries SET attempts = 13, failed_at = now(), last_error = 'answered 500' WHERE task->>'title' = 'given up'"
      )
      type Listed = {
        id: string
        user_id: string
        type: string
        status: string
        attempts: number
        last_error: string | null
        next_attempt_at: string | null
      }
      const listed: Array<Listed> = (await cli.json(["webhooks", "--json"])).filter((row: Listed) => row.user_id === "hooked")
      expect(listed.map(({ attempts, last_error, status, type }) => ({ type, status, attempts, last_error }))).toEqual([
        { type: "created", status: "pending", attempts: 0, last_error: null },
        { type: "created", status: "failed", attempts: 13, last_error: "answered 500" }
      ])
      expect(listed[0]!.next_attempt_at).toMatch(/Z$/)
      expect(listed[1]!.next_attempt_at).toBeNull()
      const table = (await cli.run(["webhooks"])).stdout
      expect(table).toMatch(/ID\s+STATUS\s+USER\s+CHANGE\s+CREATED\s+ATTEMPTS\s+NEXT ATTEMPT\s+LAST ERROR/)
      expect(table).toContain("answered 500")
      expect(await cli.run(["webhooks", "retry", "--failed"])).toMatchObject({
        code: 0,
        stdout: "1 delivery due now; a running API sends it.\n"
      })
      const retried: Array<Listed> = (await cli.json(["webhooks", "--json"])).filter((row: Listed) => row.user_id === "hooked")
      expect(retried.map((row) => [row.status, row.attempts])).toEqual([["pending", 0], ["pending", 0]])
      expect((await cli.run(["webhooks", "retry", "--id", listed[0]!.id])).code).toBe(0)
      expect(await cli.run(["webhooks", "retry", "--id", "no-such-delivery"])).toMatchObject({ code: 1 })
      expect(await cli.run(["webhooks", "retry"])).toMatchObject({ code: 2, stderr: "error: give either --id ID or --failed\n" })
    }, 3 * TIMEOUT)
  })
