import { Database } from "@todo/postgres"
import { describeOnPostgres } from "@todo/testing"
import { ConfigProvider, Layer } from "effect"
import { apiContract } from "./support/ApiContract.js"

describeOnPostgres("the HTTP API contract on PostgreSQL", (url) =>
  apiContract(
    "PostgreSQL",
    Database.layer.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", url]])))))
  ))
