/**
 * The production build of `todo-api`: `dist/main.js` and everything it imports, tree-shaken into
 * `dist/bundle/`. Node then parses and keeps one module graph instead of every module of Effect's
 * packages: about 50 MB less resident memory (README, Performance). The server module, the docs
 * page and the shared rate limit (ioredis and rate-limiter-flexible bundled with it: plain
 * JavaScript, needed only with REDIS_URL) stay chunks of their own, loaded when first needed;
 * PGlite is loaded from node_modules, and only without DATABASE_URL.
 */
import { build } from "esbuild"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL(".", import.meta.url))
// Chunk names carry a hash: without this, every build would leave the previous ones behind.
rmSync(`${root}dist/bundle`, { recursive: true, force: true })

await build({
  absWorkingDir: root,
  entryPoints: { "todo-api": "dist/main.js" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Names are kept, so logged stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  external: ["@electric-sql/pglite", "pg-native"],
  // Some CommonJS dependencies (pg) call require() for Node's own modules.
  banner: { js: "import { createRequire } from \"node:module\"; const require = createRequire(import.meta.url);" },
  logLevel: "warning"
})
