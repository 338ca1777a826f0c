/**
 * What may import what (README, Layout), checked by `pnpm deps` and `pnpm test`. Another
 * package is reached through its built `dist/` (run `tsc -b` first) or named `@todo/NAME`.
 */
const pkg = (...names) => `^(packages/(${names.join("|")})/|@todo/(${names.join("|")})$)`
const src = (name) => `^packages/${name}/src/`
const effect = "node_modules/\\.pnpm/effect@"

const http = (folder) => `^packages/http/src/${folder}/`
/** From one of http's folders to any module of http outside `allowed`. */
const httpFolder = (folder, allowed, comment) => ({
  name: `http-${folder}`,
  comment,
  severity: "error",
  from: { path: http(folder) },
  to: { path: "^packages/http/src/", pathNot: [folder, ...allowed].map(http).join("|") }
})

export default {
  forbidden: [
    {
      name: "core-imports-only-effect",
      comment: "core is the domain: schemas, use-cases, the port; effect and nothing else, not even Node",
      severity: "error",
      from: { path: src("core") },
      to: { pathNot: `${src("core")}|${effect}` }
    },
    {
      name: "config-imports-only-effect-and-node",
      comment: "config is read by every host and by postgres, so it imports none of them",
      severity: "error",
      from: { path: src("config") },
      to: { dependencyTypesNot: ["core"], pathNot: `${src("config")}|${effect}` }
    },
    {
      name: "hosts-never-import-each-other",
      comment: "todo-api and todo-admin share core, config and postgres, never each other's code",
      severity: "error",
      from: { path: "^packages/http/" },
      to: { path: pkg("cli") }
    },
    {
      name: "hosts-never-import-each-other-either-way",
      comment: "todo-api and todo-admin share core, config and postgres, never each other's code",
      severity: "error",
      from: { path: "^packages/cli/" },
      to: { path: pkg("http") }
    },
    {
      name: "mcp-imports-only-core",
      comment: "the MCP tool server is mounted by both hosts (at /mcp, and by todo-admin mcp), so it imports neither",
      severity: "error",
      from: { path: "^packages/mcp/" },
      to: { path: pkg("config", "postgres", "http", "cli") }
    },
    {
      name: "postgres-never-imports-hosts",
      comment: "the adapter serves every host",
      severity: "error",
      from: { path: "^packages/postgres/" },
      to: { path: pkg("http", "cli") }
    },
    {
      name: "production-never-imports-testing",
      comment: "the in-memory adapter and the test helpers are for tests only",
      severity: "error",
      from: { path: "^packages/[^/]+/src/", pathNot: src("testing") },
      to: { path: pkg("testing") }
    },
    {
      name: "testing-imports-only-core",
      comment: "testing holds the port's reference adapter and process helpers, beside the hosts, not above them",
      severity: "error",
      from: { path: src("testing") },
      to: { path: pkg("config", "postgres", "http", "cli") }
    },
    httpFolder("problems", [], "problems/ declares the errors and their one status map: it imports no implementation"),
    httpFolder("api", ["problems"], "api/ is the HttpApi declaration (and its own handlers): it imports only declarations"),
    httpFolder("edge", ["problems"], "edge/ is what stands between Node and any route: CORS, request ids, logs, bodies, replies"),
    httpFolder("auth", ["api", "problems"], "auth/ verifies tokens and limits users, by what api/ and problems/ declare"),
    httpFolder("tasks", ["api", "auth", "edge", "problems"], "tasks/ answers the task routes: it uses every role but server/ and mcp/"),
    httpFolder("mcp", ["api", "auth", "edge", "problems"], "mcp/ answers /mcp: it uses every role but server/ and tasks/"),
    httpFolder(
      "events",
      ["api", "auth", "edge", "problems", "tasks"],
      "events/ answers the change feed's routes, tasks on the wire as tasks/ writes them"
    ),
    httpFolder(
      "server",
      ["api", "auth", "edge", "events", "mcp", "problems", "tasks"],
      "server/ composes the rest; only main.ts imports it"
    ),
    {
      name: "no-circular",
      comment: "a module loaded on first use (a dynamic import) may import the one that loads it",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["dynamic-import"] } }
    },
    {
      name: "resolvable",
      comment: "a rule cannot judge an import it cannot follow",
      severity: "error",
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: ["node_modules", "^packages/[^/]+/dist/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "default"],
      extensions: [".ts", ".js", ".mjs"]
    }
  }
}
