export * as InMemoryTaskRepository from "./InMemoryTaskRepository.js"
export { taskRepositoryContract } from "./TaskRepositoryContract.js"
export * as Tokens from "./Tokens.js"
export { freePort } from "./FreePort.js"
export { describeOnPostgres, freshSchema, type FreshSchema, testDatabaseUrl } from "./PostgresTestServer.js"
export { startRelay, type TcpRelay } from "./TcpRelay.js"
export { type ApiProcess, type ApiProcessOptions, startApiProcess } from "./ApiProcess.js"
export { call, freshUser, type McpHarness, mcpToolContract, NOT_FOUND, refused, succeeded, type TaskJson } from "./McpToolContract.js"
export { type ApiInstances, startApiInstances } from "./ApiInstances.js"
export {
  describeOnRedis,
  describeWithRedisServer,
  type PrivateRedis,
  redisAnswers,
  startPrivateRedis,
  testRedisUrl
} from "./RedisTestServer.js"
export { skipLoudly } from "./LoudSkip.js"
export { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from "./WebhookReceiver.js"
