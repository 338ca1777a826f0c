export * as Database from "./Database.js"
export * as PgliteClient from "./PgliteClient.js"
export * as PgTaskRepository from "./PgTaskRepository.js"
export { migrate, MIGRATIONS, migrationStatus, type MigrationStatus } from "./TaskMigrations.js"
