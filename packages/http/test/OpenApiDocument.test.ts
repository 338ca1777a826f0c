/**
 * The OpenAPI document as a client generator meets it: valid OpenAPI 3.1, a typed client generated
 * from it by openapi-typescript that type-checks in use, and request examples the server accepts.
 */
import { Validator } from "@seriousme/openapi-schema-validator"
import { InMemoryTaskRepository } from "@todo/testing"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import openapiTS, { astToString } from "openapi-typescript"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { caller, freshUser, startServer, type TestServer } from "./support/TestServer.js"

let server: TestServer
let user: string
let spec: any
const api = caller(() => server, () => user)

beforeAll(async () => {
  server = await startServer(InMemoryTaskRepository.layer)
  user = freshUser()
  spec = (await api("/api/openapi.json", { as: null })).json
})
afterAll(() => server.close())

const operations = () =>
  Object.entries<Record<string, any>>(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation }))
  )

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(spec)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
  })

  it("names, sums up and describes every operation, each id once", () => {
    const ids = operations().map(({ operation }) => operation.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const { method, operation, path } of operations()) {
      expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/)
      expect(operation.summary, `${method} ${path}`).toEqual(expect.any(String))
    }
    expect(spec.paths["/api/{user_id}/tasks"].get.operationId).toBe("listUserTasks")
    expect(spec.paths["/api/tasks"].post.operationId).toBe("createTask")
    expect(spec.servers).toEqual(expect.arrayContaining([expect.objectContaining({ url: "/" })]))
  })

  it("names its schemas as the contract does, never after Effect's types", () => {
    const names = Object.keys(spec.components.schemas)
    expect(names).toEqual(expect.arrayContaining(["Task", "NewTask", "TaskUpdate", "Problem"]))
    expect(JSON.stringify(spec)).not.toMatch(/Trim|NumberFromString|DateTimeUtc|"Int"|lessThanOrEqualTo|a string that will be/)
  })

  it("carries the contract's limits, formats and defaults", () => {
    const { NewTask, Task, DateTime } = spec.components.schemas
    expect(NewTask.properties.title).toMatchObject({ type: "string", minLength: 1, maxLength: 200 })
    expect(NewTask.properties.description.anyOf[0]).toMatchObject({ maxLength: 1000 })
    expect(NewTask.properties.tags).toMatchObject({ maxItems: 20, items: { minLength: 1, maxLength: 50 } })
    expect(NewTask.properties.due_date.anyOf[0]).toMatchObject({ type: "string", format: "date-time" })
    expect(DateTime).toMatchObject({ type: "string", format: "date-time" })
    expect(Task.properties.id).toMatchObject({ type: "integer", minimum: 1 })
    const limit = spec.paths["/api/tasks"].get.parameters.find((parameter: any) => parameter.name === "limit")
    expect(limit.schema).toEqual({ type: "integer", minimum: 1, maximum: 500, default: 100 })
  })

  it("declares the response headers: Link, ETag, Location, Retry-After, WWW-Authenticate", () => {
    const tasks = spec.paths["/api/tasks"]
    expect(Object.keys(tasks.get.responses["200"].headers)).toEqual(["Link"])
    expect(Object.keys(tasks.post.responses["201"].headers)).toEqual(["Location", "ETag"])
    expect(Object.keys(spec.paths["/api/tasks/{id}"].get.responses["200"].headers)).toEqual(["ETag"])
    expect(Object.keys(tasks.get.responses["401"].headers)).toEqual(["WWW-Authenticate"])
    expect(Object.keys(tasks.get.responses["429"].headers)).toEqual(["Retry-After"])
    expect(Object.keys(tasks.get.responses["503"].headers)).toEqual(["Retry-After"])
  })

  it("has request examples the server accepts", async () => {
    const tasks = spec.paths["/api/{user_id}/tasks"]
    const example = (operation: any) => operation.requestBody.content["application/json"].example
    const created = await api(`/api/${user}/tasks`, { method: "POST", body: example(tasks.post) })
    expect(created.status).toBe(201)
    const item = spec.paths["/api/{user_id}/tasks/{id}"]
    for (const method of ["put", "patch"]) {
      expect((await api(`/api/${user}/tasks/${created.json.id}`, { method: method.toUpperCase(), body: example(item[method]) })).status)
        .toBe(200)
    }
    const complete = spec.paths["/api/{user_id}/tasks/{id}/complete"].patch
    expect((await api(`/api/${user}/tasks/${created.json.id}/complete`, { method: "PATCH", body: example(complete) })).status).toBe(200)
  })

  it("generates a typed client with openapi-typescript that type-checks in use", async () => {
    const dir = await mkdtemp(join(tmpdir(), "todo-openapi-"))
    try {
      await writeFile(join(dir, "api.ts"), astToString(await openapiTS(spec)))
      await writeFile(
        join(dir, "use.ts"),
        `import type { components, operations, paths } from "./api.js"
type Task = components["schemas"]["Task"]
type NewTask = components["schemas"]["NewTask"]
type Query = NonNullable<operations["listTasks"]["parameters"]["query"]>
type Created = paths["/api/tasks"]["post"]["responses"][201]["content"]["application/json"]
type Problem = components["schemas"]["Problem"]
export const input: NewTask = { title: "Buy milk", due_date: "2026-05-01T17:00:00Z", tags: ["home"], priority: "high" }
export const query: Query = { limit: 50, status: "pending", sort: "due_date", order: "asc" }
export const show = (task: Task | Created): string => \`\${task.id} \${task.title} \${task.due_date ?? "no date"} \${task.tags.join(",")}\`
export const why = (problem: Problem): string => \`\${problem.status} \${problem.detail} \${(problem.errors ?? []).map((issue) => issue.path).join()}\`
// @ts-expect-error priority is one of low, medium, high
export const wrong: NewTask = { title: "x", priority: "urgent" }
`
      )
      const program = ts.createProgram([join(dir, "use.ts")], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        exactOptionalPropertyTypes: true
      })
      const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) =>
        ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")
      )
      expect(diagnostics).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
