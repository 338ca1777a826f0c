import { describeOnPostgres } from "@todo/testing"
import { apiContract } from "./support/ApiContract.js"
import { serverDatabase } from "./support/Databases.js"

describeOnPostgres("the HTTP API contract on PostgreSQL", (url) => apiContract("PostgreSQL", serverDatabase(url)))
