import { InMemoryTaskRepository } from "@todo/testing"
import { apiContract } from "./support/ApiContract.js"
import { recurrenceContract } from "./support/RecurrenceContract.js"

apiContract("in-memory", InMemoryTaskRepository.layer)
recurrenceContract("in-memory", InMemoryTaskRepository.layer)
