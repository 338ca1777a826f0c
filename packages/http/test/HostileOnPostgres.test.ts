import { describeOnPostgres } from "@todo/testing"
import { freshServerDatabase } from "./support/Databases.js"
import { hostileSuite } from "./support/HostileSuite.js"

describeOnPostgres("hostile input on PostgreSQL", (url) => hostileSuite("PostgreSQL", freshServerDatabase(url)))
