/**
 * An MCP server of the task tools for one user, on the official SDK's low-level `Server`: the
 * tool list and every result are shaped here, exactly as the contract words them. A result is
 * the JSON twice (`structuredContent` and a text); a failure a use-case reports is `isError`
 * with only a text (the sentence, then `path: message` per field); anything else is a defect,
 * logged by the host and answered as a protocol error that says nothing more.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { CallToolRequestSchema, type CallToolResult, ErrorCode, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { sentenceFor, type TaskError, type Tasks, type UserId } from "@todo/core"
import { Cause, Effect, Exit, Option } from "effect"
import { taskTools } from "./TaskTools.js"

/** Runs a tool's effect where `Tasks` is provided (the host's runtime), with the host's logging. */
export type ToolRunner = <A>(effect: Effect.Effect<A, TaskError, Tasks>) => Promise<Exit.Exit<A, TaskError>>

export const SERVER_INFO = { name: "todo-api", title: "Todo API", version: "1.0.0" } as const

const INSTRUCTIONS = "Tools for the signed-in user's to-do list. Find a task's id with list_tasks before " +
  "get_task, update_task, complete_task or delete_task. A result with isError says what to fix."

const tools = taskTools.map(({ run: _, ...tool }) => tool)
const byName = new Map(taskTools.map((tool) => [tool.name, tool]))

/** What the model reads when a use-case refuses: the REST problem's detail, then its field errors. */
export const refusalText = (error: TaskError): string =>
  [sentenceFor(error), ...(error._tag === "ValidationFailed" ? error.issues.map((issue) => `${issue.path}: ${issue.message}`) : [])]
    .join("\n")

const success = (structured: unknown): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(structured) }],
  structuredContent: structured as Record<string, unknown>
})

const refusal = (error: TaskError): CallToolResult => ({
  content: [{ type: "text", text: refusalText(error) }],
  isError: true
})

/** Thrown from a handler, it becomes the JSON-RPC error as it is (an `McpError` would prefix its message with its code). */
const protocolError = (code: ErrorCode, message: string) => Object.assign(new Error(message), { code })

// The SDK makes an Ajv instance per server unless given one; a server is made per HTTP request.
let validator: AjvJsonSchemaValidator | undefined

export const makeServer = (user: UserId, run: ToolRunner): Server => {
  validator ??= new AjvJsonSchemaValidator()
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: validator
  })
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }))
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = byName.get(request.params.name)
    if (tool === undefined) throw protocolError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`)
    const exit = await run(
      tool.run(user, request.params.arguments ?? {}).pipe(
        Effect.tapErrorTag("RepositoryUnavailable", (error) => Effect.logWarning("the task store is unavailable", error.reason)),
        Effect.tapDefect((cause) => Effect.logError(`the tool ${tool.name} failed`, cause))
      )
    )
    if (Exit.isSuccess(exit)) return success(exit.value)
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure)) return refusal(failure.value)
    throw protocolError(ErrorCode.InternalError, "Internal error")
  })
  return server
}
