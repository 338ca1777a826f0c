/**
 * The API's own origin as a request reached it, for the MCP resource URL: `X-Forwarded-Proto` and
 * `X-Forwarded-Host` (first value) when a proxy in front sets them, else the scheme of the socket
 * and the `Host` header. A value that is not a plain host is not trusted into a header.
 */
import type { IncomingMessage } from "node:http"
import type { TLSSocket } from "node:tls"

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/

const firstOf = (value: string | Array<string> | undefined): string | undefined => {
  const first = (Array.isArray(value) ? value[0] : value)?.split(",", 1)[0]?.trim()
  return first === "" ? undefined : first
}

export const originOf = (incoming: IncomingMessage): string => {
  const forwardedProto = firstOf(incoming.headers["x-forwarded-proto"])?.toLowerCase()
  const proto = forwardedProto === "http" || forwardedProto === "https"
    ? forwardedProto
    : (incoming.socket as Partial<TLSSocket>).encrypted === true
    ? "https"
    : "http"
  const host = firstOf(incoming.headers["x-forwarded-host"]) ?? incoming.headers.host
  return `${proto}://${host !== undefined && HOST.test(host) ? host : "localhost"}`
}
