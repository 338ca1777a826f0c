export { makeServer, refusalText, SERVER_INFO, type ToolRunner } from "./TaskToolServer.js"
export { type TaskTool, taskTools } from "./TaskTools.js"
export { answer } from "./StreamableHttp.js"
export { serveStdio } from "./Stdio.js"
