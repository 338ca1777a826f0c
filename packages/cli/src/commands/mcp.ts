/** `mcp`: the task tools for a local AI agent, over stdio, for one user. */
import { serveStdio } from "@todo/mcp"
import type { Tasks, UserId } from "@todo/core"
import type { Command } from "commander"
import { examples, userOption } from "../CommandLine.js"
import type { Runner } from "../Runner.js"

export const registerMcp = (program: Command, runner: Runner<Tasks>): void => {
  program.command("mcp")
    .description(
      "serve the task tools to an AI agent over stdio (Model Context Protocol), acting for one user: " +
        "JSON-RPC on stdout, logs on stderr, until stdin closes"
    )
    .addOption(userOption())
    .addHelpText("after", examples("todo-admin mcp --user alice"))
    .action((options: { readonly user: UserId }) => runner.run(serveStdio(options.user)))
}
