import { Database } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { ConfigProvider, Layer } from "effect"
import { apiContract } from "./support/ApiContract.js"
import { recurrenceContract } from "./support/RecurrenceContract.js"

describeOnPostgres("the HTTP API contract on PostgreSQL", (url) => {
  const database = Database.layer.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", url]]))))
  )
  apiContract("PostgreSQL", database)
  recurrenceContract("PostgreSQL", database)
})
