export * as InMemoryTaskRepository from "./InMemoryTaskRepository.js"
export { taskRepositoryContract } from "./TaskRepositoryContract.js"
