import { describeOnPostgres, taskRepositoryContract } from "@todo/testing"
import { Database } from "@todo/postgres"
import { Effect, Layer } from "effect"
import { embeddedDatabase, freshSchemaUrl, withConfig } from "./TestDatabases.js"

taskRepositoryContract("PostgreSQL adapter on embedded PGlite", embeddedDatabase)

describeOnPostgres("PostgreSQL adapter on a PostgreSQL server", () => {
  taskRepositoryContract(
    "PostgreSQL adapter on a PostgreSQL server",
    Layer.unwrapScoped(
      Effect.map(freshSchemaUrl, (url) => Database.layer.pipe(Layer.provide(withConfig({ DATABASE_URL: url }))))
    )
  )
})
