/**
 * What Node answers by itself, before any handler runs (headers over its size limit, a request
 * that takes too long to arrive, bytes that are not HTTP), as problem+json like every other
 * error rather than Node's bare status line.
 */
import type { Server } from "node:http"
import type { Duplex } from "node:stream"
import * as Problem from "../problems/Problem.js"

const statusOf = (code: string | undefined): number => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return 431
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return 408
    default:
      return 400
  }
}

const DETAIL: Readonly<Record<number, string>> = {
  400: "The request is not valid HTTP.",
  408: "The request took too long to arrive.",
  431: "The request's headers are too large."
}

const answer = (status: number, withBody: boolean): string => {
  const body = JSON.stringify(Problem.make(status, DETAIL[status]!).document)
  return `HTTP/1.1 ${status} ${Problem.titleOf(status)}\r\ncontent-type: application/problem+json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${withBody ? body : ""}`
}

/** The answer to a HEAD request has headers only; the bytes Node could parse tell whether it was one. */
const isHead = (error: NodeJS.ErrnoException & { rawPacket?: Buffer }): boolean =>
  error.rawPacket?.subarray(0, 5).toString("latin1") === "HEAD "

export const answerClientErrors = (server: Server): void => {
  server.on("clientError", (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    // A reset connection has no one to answer, and a response already begun cannot be replaced.
    if (error.code === "ECONNRESET" || !socket.writable || pending?.headersSent === true) return void socket.destroy()
    socket.end(answer(statusOf(error.code), !isHead(error)))
  })
}
