export * as InMemoryTaskRepository from "./InMemoryTaskRepository.js"
export { taskRepositoryContract } from "./TaskRepositoryContract.js"
export * as Tokens from "./Tokens.js"
