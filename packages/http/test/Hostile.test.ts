import { InMemoryTaskRepository } from "@todo/testing"
import { hostileSuite } from "./support/HostileSuite.js"

hostileSuite("the in-memory store", InMemoryTaskRepository.layer)
