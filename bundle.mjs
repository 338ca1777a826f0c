/**
 * How a host package's build becomes the file Node runs: `dist/main.js` and everything it imports,
 * tree-shaken into `dist/bundle/<name>.js` (with chunks for what it imports on first use). PGlite
 * and `pg-native` stay in node_modules: they are loaded only without DATABASE_URL, or never.
 */
import { build } from "esbuild"
import { rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * `packageUrl`: the package's own directory, e.g. `new URL(".", import.meta.url)` in its build script;
 * `external`: more packages to load from its node_modules rather than bundle.
 */
export const bundle = async (packageUrl, name, external = []) => {
  const root = fileURLToPath(packageUrl)
  // Chunk names carry a hash: without this, every build would leave the previous ones behind.
  rmSync(`${root}dist/bundle`, { recursive: true, force: true })
  await build({
    absWorkingDir: root,
    entryPoints: { [name]: "dist/main.js" },
    outdir: "dist/bundle",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Names are kept, so logged stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    external: ["@electric-sql/pglite", "pg-native", ...external],
    // Some CommonJS dependencies (pg) call require() for Node's own modules.
    banner: { js: "import { createRequire } from \"node:module\"; const require = createRequire(import.meta.url);" },
    logLevel: "warning"
  })
}
