/**
 * The contract's MCP section, as an agent meets it: the official SDK's `Client`, connected by each
 * transport's test, runs fixed sequences of tool calls (no model) and checks every result. Each
 * session is closed before the next one opens, so a transport that holds the embedded database
 * (stdio) runs it too.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"

export interface McpHarness {
  /** A client connected as `user` (tools already listed, so results are checked against their output schemas). */
  readonly connect: (user: string) => Promise<Client>
}

export interface TaskJson {
  readonly id: number
  readonly user_id: string
  readonly title: string
  readonly description: string | null
  readonly completed: boolean
  readonly priority: string
  readonly tags: ReadonlyArray<string>
  readonly due_date: string | null
  readonly created_at: string
  readonly updated_at: string
  readonly recurrence: string | null
  readonly timezone: string | null
  readonly remind_at: string | null
  readonly next_occurrence_id: number | null
}

export const NOT_FOUND = "No such task exists for this user."
const BROKEN_RULES = "The request breaks the rules listed in errors."

/** The result of a call that must succeed: its `structuredContent`, after checking the text says the same. */
export const succeeded = <A = TaskJson>(result: CallToolResult): A => {
  expect(result.isError ?? false).toBe(false)
  const text = result.content.find((part) => part.type === "text")
  expect(text?.type === "text" && JSON.parse(text.text)).toEqual(result.structuredContent)
  return result.structuredContent as A
}

/** The text of a call that must be refused: `isError`, and a text content alone. */
export const refused = (result: CallToolResult): string => {
  expect(result.isError).toBe(true)
  expect(result.structuredContent).toBeUndefined()
  expect(result.content).toHaveLength(1)
  const [text] = result.content
  if (text?.type !== "text") throw new Error(`a refusal must be text, got ${JSON.stringify(result.content)}`)
  return text.text
}

export const call = async (client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> =>
  (await client.callTool({ name, arguments: args })) as CallToolResult

/** A user id of its own for each test, so runs on a shared database never meet. */
export const freshUser = (name: string) => `${name}-${randomUUID().slice(0, 8)}`

const withSession = async <A>(harness: McpHarness, user: string, use: (client: Client) => Promise<A>): Promise<A> => {
  const client = await harness.connect(user)
  try {
    return await use(client)
  } finally {
    await client.close()
  }
}

export const mcpToolContract = (harness: () => McpHarness, timeout = 60_000) => {
  const session = <A>(user: string, use: (client: Client) => Promise<A>) => withSession(harness(), user, use)

  describe("the MCP tools", () => {
    it("are the six tools, each described, with input and output schemas and the contract's annotations", async () => {
      await session(freshUser("tools"), async (client) => {
        const { tools } = await client.listTools()
        expect(tools.map((tool) => tool.name).sort()).toEqual(
          ["add_task", "complete_task", "delete_task", "get_task", "list_tasks", "update_task"]
        )
        for (const tool of tools) {
          expect(tool.description?.length).toBeGreaterThan(40)
          expect(tool.inputSchema.type).toBe("object")
          expect(tool.outputSchema?.type).toBe("object")
        }
        const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]))
        expect(byName["list_tasks"]!.annotations?.readOnlyHint).toBe(true)
        expect(byName["get_task"]!.annotations?.readOnlyHint).toBe(true)
        expect(byName["delete_task"]!.annotations?.destructiveHint).toBe(true)
        expect(Object.keys(byName["add_task"]!.inputSchema.properties ?? {})).toEqual(
          expect.arrayContaining(["title", "description", "completed", "priority", "tags", "due_date"])
        )
        expect(byName["add_task"]!.inputSchema.required).toEqual(["title"])
        expect(Object.keys(byName["list_tasks"]!.inputSchema.properties ?? {})).toEqual(
          expect.arrayContaining(["status", "q", "priority", "tag", "due_before", "due_after", "sort", "order", "limit", "cursor"])
        )
        expect(byName["update_task"]!.inputSchema.required).toEqual(["id"])
        expect(byName["complete_task"]!.inputSchema.required).toEqual(["id"])
      })
    }, timeout)

    it("complete a recurring task into its next occurrence, once, in the task's zone", async () => {
      const user = freshUser("gardener")
      await session(user, async (client) => {
        const plants = succeeded(
          await call(client, "add_task", {
            title: "Water the plants",
            due_date: "2030-03-25T09:00:00+01:00",
            recurrence: "FREQ=WEEKLY;BYDAY=MO",
            timezone: "Europe/Berlin"
          })
        )
        const done = succeeded(await call(client, "complete_task", { id: plants.id, completed: true }))
        expect(done).toMatchObject({ completed: true, next_occurrence_id: expect.any(Number) })
        expect(succeeded(await call(client, "get_task", { id: done.next_occurrence_id }))).toMatchObject({
          title: "Water the plants",
          completed: false,
          due_date: "2030-04-01T07:00:00.000Z",
          recurrence: "FREQ=WEEKLY;BYDAY=MO",
          timezone: "Europe/Berlin"
        })
        succeeded(await call(client, "complete_task", { id: plants.id }))
        expect(succeeded(await call(client, "complete_task", { id: plants.id })).next_occurrence_id).toBe(done.next_occurrence_id)
        expect(succeeded<{ tasks: ReadonlyArray<TaskJson> }>(await call(client, "list_tasks", {})).tasks).toHaveLength(2)
        expect(refused(await call(client, "update_task", { id: plants.id, due_date: null }))).toMatch(/^recurrence: needs a due_date/m)
      })
    }, timeout)

    it("serve a scripted agent session: add, filter, page, read, change, complete and delete", async () => {
      const user = freshUser("agent")
      await session(user, async (client) => {
        const milk = succeeded(
          await call(client, "add_task", {
            title: "  Buy milk ",
            priority: "high",
            tags: ["home"],
            due_date: "2030-01-02T09:00:00+01:00",
            user_id: "someone-else"
          })
        )
        expect(milk).toMatchObject({
          user_id: user,
          title: "Buy milk",
          description: null,
          completed: false,
          priority: "high",
          tags: ["home"],
          due_date: "2030-01-02T08:00:00.000Z"
        })
        const report = succeeded(await call(client, "add_task", { title: "Write report", priority: "low", tags: ["work"] }))
        const call_ = succeeded(await call(client, "add_task", { title: "Call mom", description: "about the weekend" }))
        expect(call_.priority).toBe("medium")

        const ids = (page: { tasks: ReadonlyArray<TaskJson> }) => page.tasks.map((task) => task.id)
        const list = async (args: Record<string, unknown>) =>
          succeeded<{ tasks: ReadonlyArray<TaskJson>; next_cursor: string | null }>(await call(client, "list_tasks", args))

        expect(await list({})).toEqual({ tasks: [call_, report, milk], next_cursor: null })
        expect(ids(await list({ status: "pending", priority: "high" }))).toEqual([milk.id])
        expect(ids(await list({ q: "REPORT" }))).toEqual([report.id])
        expect(ids(await list({ tag: "HOME" }))).toEqual([milk.id])
        expect(ids(await list({ due_before: "2030-12-31T00:00:00Z" }))).toEqual([milk.id])
        expect(ids(await list({ due_after: "2031-01-01T00:00:00Z" }))).toEqual([])

        const first = await list({ sort: "title", order: "asc", limit: 2 })
        expect(ids(first)).toEqual([milk.id, call_.id])
        expect(first.next_cursor).toEqual(expect.any(String))
        const second = await list({ sort: "title", order: "asc", limit: 2, cursor: first.next_cursor })
        expect(second).toEqual({ tasks: [report], next_cursor: null })

        expect(succeeded(await call(client, "get_task", { id: milk.id }))).toEqual(milk)

        const renamed = succeeded(
          await call(client, "update_task", {
            id: report.id,
            title: "Write the report",
            due_date: "2030-03-01T12:00:00Z",
            tags: []
          })
        )
        expect(renamed).toMatchObject({ id: report.id, title: "Write the report", due_date: "2030-03-01T12:00:00.000Z", tags: [] })
        const cleared = succeeded(await call(client, "update_task", { id: report.id, due_date: null }))
        expect(cleared).toMatchObject({ title: "Write the report", due_date: null })

        expect(succeeded(await call(client, "complete_task", { id: milk.id })).completed).toBe(true)
        expect(succeeded(await call(client, "complete_task", { id: milk.id })).completed).toBe(false)
        expect(succeeded(await call(client, "complete_task", { id: milk.id, completed: true })).completed).toBe(true)
        expect(succeeded(await call(client, "complete_task", { id: milk.id, completed: true })).completed).toBe(true)
        expect(ids(await list({ status: "completed" }))).toEqual([milk.id])
        expect(ids(await list({ status: "pending" }))).toEqual([call_.id, report.id])

        expect(succeeded(await call(client, "delete_task", { id: call_.id }))).toEqual({ deleted: call_.id })
        expect(refused(await call(client, "get_task", { id: call_.id }))).toBe(NOT_FOUND)
        expect(refused(await call(client, "delete_task", { id: call_.id }))).toBe(NOT_FOUND)
        expect(ids(await list({}))).toEqual([report.id, milk.id])
      })
    }, timeout)

    it("answer a broken rule with isError and the REST API's words: its detail, then path: message per field", async () => {
      await session(freshUser("rules"), async (client) => {
        expect(refused(await call(client, "add_task", { title: "", priority: "urgent" }))).toBe([
          BROKEN_RULES,
          "title: must not be empty",
          `priority: must be one of "low", "medium", "high"`
        ].join("\n"))
        expect(refused(await call(client, "add_task", { description: "no title" }))).toBe(`${BROKEN_RULES}\ntitle: is missing`)
        expect(refused(await call(client, "add_task", { title: "Dated", due_date: "2030-01-02T09:00:00", tags: ["a", "A"] })))
          .toBe([
            BROKEN_RULES,
            "tags.1: duplicates another tag (tags are unique regardless of case)",
            "due_date: must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T17:00:00Z"
          ].join("\n"))
        expect(refused(await call(client, "list_tasks", { limit: 0, status: "done" }))).toBe([
          BROKEN_RULES,
          `status: must be one of "all", "pending", "completed"`,
          "limit: must be a whole number from 1 to 500"
        ].join("\n"))
        expect(refused(await call(client, "list_tasks", { cursor: "not-a-cursor" }))).toMatch(
          new RegExp(`^${BROKEN_RULES.replace(".", "\\.")}\ncursor: `)
        )
        const task = succeeded(await call(client, "add_task", { title: "Kept" }))
        expect(refused(await call(client, "update_task", { id: task.id }))).toBe(
          `${BROKEN_RULES}\n: must change at least one of: title, description, completed, priority, tags, due_date, recurrence, timezone, remind_at`
        )
        expect(refused(await call(client, "update_task", { id: task.id, title: "x".repeat(201) }))).toBe(
          `${BROKEN_RULES}\ntitle: must be at most 200 characters`
        )
        expect(refused(await call(client, "complete_task", { id: task.id, completed: "yes" }))).toBe(
          `${BROKEN_RULES}\ncompleted: must be true or false`
        )
        expect(refused(await call(client, "get_task", {}))).toBe(`${BROKEN_RULES}\nid: is missing`)
        expect(succeeded(await call(client, "get_task", { id: task.id }))).toEqual(task)
      })
    }, timeout)

    it("answer a task that does not exist, or an id no task can have, with isError and the 404's sentence", async () => {
      await session(freshUser("missing"), async (client) => {
        for (const id of [2_000_000_000, 0, -3, 2 ** 40]) {
          expect(refused(await call(client, "get_task", { id }))).toBe(NOT_FOUND)
        }
        expect(refused(await call(client, "update_task", { id: 2_000_000_000, title: "x" }))).toBe(NOT_FOUND)
        expect(refused(await call(client, "complete_task", { id: 2_000_000_000 }))).toBe(NOT_FOUND)
        expect(refused(await call(client, "delete_task", { id: 2_000_000_000 }))).toBe(NOT_FOUND)
      })
    }, timeout)

    it("keep two users' sessions apart: another user's task is as missing as one that never existed", async () => {
      const alice = freshUser("alice")
      const bob = freshUser("bob")
      const hers = await session(alice, async (client) => succeeded(await call(client, "add_task", { title: "Alice's secret" })))
      await session(bob, async (client) => {
        const own = succeeded(await call(client, "add_task", { title: "Bob's own" }))
        expect(succeeded(await call(client, "list_tasks", {}))).toEqual({ tasks: [own], next_cursor: null })
        expect(succeeded(await call(client, "list_tasks", { q: "secret" }))).toEqual({ tasks: [], next_cursor: null })
        expect(refused(await call(client, "get_task", { id: hers.id }))).toBe(NOT_FOUND)
        expect(refused(await call(client, "update_task", { id: hers.id, title: "taken" }))).toBe(NOT_FOUND)
        expect(refused(await call(client, "complete_task", { id: hers.id, completed: true }))).toBe(NOT_FOUND)
        expect(refused(await call(client, "delete_task", { id: hers.id }))).toBe(NOT_FOUND)
      })
      await session(alice, async (client) => {
        expect(succeeded(await call(client, "list_tasks", {}))).toEqual({ tasks: [hers], next_cursor: null })
      })
    }, timeout)
  })
}
