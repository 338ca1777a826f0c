import { InMemoryTaskRepository, taskRepositoryContract } from "@todo/testing"

taskRepositoryContract("in memory", InMemoryTaskRepository.layer)
