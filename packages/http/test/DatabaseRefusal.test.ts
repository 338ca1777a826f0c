/**
 * A statement the database refuses for what it was asked (here a constraint the API does not
 * know of) is a bug: 500 with the request id, logged with it, never a 503 that clients retry;
 * the store stays ready.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import type { TaskRepository } from "@todo/core"
import { describeOnPostgres } from "@todo/testing"
import { Cause, Effect, HashMap, Layer, Logger, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { embeddedDatabase, freshServerDatabase } from "./support/Databases.js"
import { caller, freshUser, startServer, type TestServer } from "./support/TestServer.js"

interface Logged {
  readonly level: string
  readonly message: string
  readonly requestId: string | undefined
  readonly cause: string
}

const REFUSED_TITLE = "a title the database refuses"

const refusalSuite = (name: string, database: Layer.Layer<TaskRepository | SqlClient, unknown>) =>
  describe(`a statement the database refuses, on ${name}`, () => {
    const logged: Array<Logged> = []
    const capture = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ annotations, cause, logLevel, message }) => {
        logged.push({
          level: logLevel.label,
          message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
          requestId: Option.getOrUndefined(HashMap.get(annotations, "request_id")) as string | undefined,
          cause: Cause.pretty(cause)
        })
      })
    )
    const refusing = database.pipe(
      Layer.tap((context) =>
        Effect.flatMap(
          Effect.provide(SqlClient, context),
          (sql) => sql.unsafe(`ALTER TABLE tasks ADD CONSTRAINT refused_title CHECK (title <> '${REFUSED_TITLE}')`)
        )
      )
    )
    let server: TestServer
    const user = freshUser()
    beforeAll(async () => {
      server = await startServer(Layer.merge(refusing, capture))
    }, 60_000)
    afterAll(() => server?.close())
    const api = caller(() => server, () => user)

    it("is 500 with the request id, logged as an error with that id and the SQLSTATE, never the data", async () => {
      const reply = await api(`/api/${user}/tasks`, {
        method: "POST",
        body: { title: REFUSED_TITLE },
        headers: { "x-request-id": "refused-1" }
      })
      expect(reply.status).toBe(500)
      expect(reply.headers.get("retry-after")).toBeNull()
      expect(reply.json.detail).toBe("Something went wrong on our side. Quote request id refused-1 when reporting it.")
      const errors = logged.filter((line) => line.level === "ERROR")
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ message: "unexpected failure", requestId: "refused-1" })
      expect(errors[0]!.cause).toContain("StatementRefused: the database refused a statement with SQLSTATE 23514")
      expect(errors[0]!.cause).toContain("constraint refused_title")
      expect(logged.map((line) => line.cause + line.message).join("\n")).not.toContain(REFUSED_TITLE)
    })

    it("leaves the store serving and ready: nothing was stored, and the next request is answered", async () => {
      expect((await api(`/api/${user}/tasks`)).json).toEqual([])
      expect((await api(`/api/${user}/tasks`, { method: "POST", body: { title: "accepted" } })).status).toBe(201)
      expect((await api("/api/ready", { as: null })).status).toBe(200)
    })
  })

refusalSuite("PGlite", embeddedDatabase)

describeOnPostgres("a statement the database refuses, on PostgreSQL", (url) => refusalSuite("PostgreSQL", freshServerDatabase(url)))
