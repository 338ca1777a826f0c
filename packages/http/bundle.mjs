/**
 * The production build of `todo-api`: `dist/main.js` and everything it imports, tree-shaken into
 * `dist/bundle/`. Node then parses and keeps one module graph instead of every module of Effect's
 * packages: about 50 MB less resident memory (README, Performance). The server module, the docs
 * page and the shared rate limit (ioredis and rate-limiter-flexible bundled with it: plain
 * JavaScript, needed only with REDIS_URL) stay chunks of their own, loaded when first needed;
 * PGlite is loaded from node_modules, and only without DATABASE_URL.
 */
import { bundle } from "../../bundle.mjs"

await bundle(new URL(".", import.meta.url), "todo-api")
