import { Database } from "@todo/postgres"
import { ConfigProvider, Layer } from "effect"
import { describe } from "vitest"
import { apiContract } from "./support/ApiContract.js"

const url = process.env["TEST_DATABASE_URL"]

if (url) {
  apiContract(
    "PostgreSQL",
    Database.layer.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", url]])))))
  )
} else {
  console.warn("SKIPPED the HTTP API contract on PostgreSQL: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it")
  describe.skip("HTTP API contract: PostgreSQL", () => {})
}
