/**
 * The build `todo-admin` runs from: `dist/main.js` and everything it imports in one file, so a
 * command starts without resolving and parsing every module of Effect's packages (3–5 s on a busy
 * machine, most of it before the command began). PGlite is loaded from node_modules, and only
 * without DATABASE_URL; ioredis too, by `doctor` with REDIS_URL alone (its CommonJS exports,
 * bundled behind a dynamic import, lose the named `Redis`).
 */
import { bundle } from "../../bundle.mjs"

await bundle(new URL(".", import.meta.url), "todo-admin", ["ioredis"])
