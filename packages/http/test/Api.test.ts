import { InMemoryTaskRepository } from "@todo/testing"
import { apiContract } from "./support/ApiContract.js"

apiContract("in-memory", InMemoryTaskRepository.layer)
