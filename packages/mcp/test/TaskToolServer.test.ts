/**
 * The tool server in process, through the official client over the SDK's in-memory transport:
 * what only a broken store can show (a defect, an outage), and that the tools' schemas are core's.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js"
import { ChangeSignal, NewTask, RepositoryUnavailable, Task, TaskListParams, TaskPatch, Tasks, type UserId } from "@todo/core"
import { makeServer } from "@todo/mcp"
import { InMemoryTaskRepository } from "@todo/testing"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterEach, describe, expect, it } from "vitest"

const USER = "tool-user" as UserId

const runtimes: Array<ManagedRuntime.ManagedRuntime<Tasks, never>> = []
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.dispose()
})

/** A client of a server whose `Tasks` are the real use-cases on the in-memory store, with `override`s. */
const clientOf = async (override: Partial<Tasks["Type"]> = {}) => {
  const layer = Layer.effect(Tasks, Effect.map(Tasks, (tasks) => Tasks.of({ ...tasks, ...override }))).pipe(
    Layer.provide(Tasks.layer),
    Layer.provide(InMemoryTaskRepository.layer),
    Layer.provide(ChangeSignal.layer)
  )
  const runtime = ManagedRuntime.make(layer)
  runtimes.push(runtime)
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await makeServer(USER, (effect) => runtime.runPromiseExit(effect)).connect(serverSide)
  const client = new Client({ name: "in-process", version: "1.0.0" })
  await client.connect(clientSide)
  return client
}

const propertiesOf = async (client: Client, tool: string, side: "inputSchema" | "outputSchema") => {
  const { tools } = await client.listTools()
  return Object.keys(tools.find((candidate) => candidate.name === tool)?.[side]?.properties ?? {})
}

describe("the task tool server", () => {
  it("answers a defect with a protocol error that says nothing more", async () => {
    const client = await clientOf({ get: () => Effect.die(new Error("relation \"tasks\" does not exist: SELECT secret")) })
    const failure = await client.callTool({ name: "get_task", arguments: { id: 1 } }).then(() => undefined, (error: unknown) => error)
    expect(failure).toBeInstanceOf(McpError)
    expect(failure).toMatchObject({ code: ErrorCode.InternalError, message: "MCP error -32603: Internal error" })
  })

  it("answers an unreachable store with isError and the 503's sentence", async () => {
    const client = await clientOf({ list: () => Effect.fail(new RepositoryUnavailable({ reason: "connection refused" })) })
    expect(await client.callTool({ name: "list_tasks", arguments: {} })).toEqual({
      content: [{ type: "text", text: "The task store is unavailable; retry shortly." }],
      isError: true
    })
  })

  it("refuses an unknown tool as a protocol error", async () => {
    const client = await clientOf()
    await expect(client.callTool({ name: "drop_tables", arguments: {} })).rejects.toMatchObject({ code: ErrorCode.InvalidParams })
  })

  it("takes every field from core's schemas: the create body, the patch, the list query and the task", async () => {
    const client = await clientOf()
    expect(await propertiesOf(client, "add_task", "inputSchema")).toEqual(Object.keys(NewTask.from.fields))
    expect(await propertiesOf(client, "update_task", "inputSchema")).toEqual(["id", ...Object.keys(TaskPatch.from.fields)])
    expect(await propertiesOf(client, "list_tasks", "inputSchema")).toEqual(Object.keys(TaskListParams.fields))
    expect(await propertiesOf(client, "get_task", "outputSchema")).toEqual(Object.keys(Task.fields))
    expect(await propertiesOf(client, "list_tasks", "outputSchema")).toEqual(["tasks", "next_cursor"])
  })
})
