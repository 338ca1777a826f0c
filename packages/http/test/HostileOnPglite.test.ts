import { embeddedDatabase } from "./support/Databases.js"
import { hostileSuite } from "./support/HostileSuite.js"

hostileSuite("PGlite", embeddedDatabase)
