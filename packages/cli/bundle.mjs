/**
 * The build `todo-admin` runs from: `dist/main.js` and everything it imports in one file, so a
 * command starts without resolving and parsing every module of Effect's packages (about 3 s on a
 * busy machine, most of it before the command begins). PGlite is loaded from node_modules, and
 * only without DATABASE_URL; ioredis only by `doctor` with REDIS_URL.
 */
import { build } from "esbuild"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL(".", import.meta.url))
rmSync(`${root}dist/bundle`, { recursive: true, force: true })

await build({
  absWorkingDir: root,
  entryPoints: { "todo-admin": "dist/main.js" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  external: ["@electric-sql/pglite", "pg-native"],
  // Some CommonJS dependencies (pg) call require() for Node's own modules.
  banner: { js: "import { createRequire } from \"node:module\"; const require = createRequire(import.meta.url);" },
  logLevel: "warning"
})
