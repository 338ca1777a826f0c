/**
 * A TCP relay between the API's pool and PostgreSQL, to take the database away without touching
 * the shared server: `cut` drops every connection and refuses new ones, `freeze` holds them and
 * answers nothing (a lost network), `open` brings it back on the same port.
 */
import { connect, createServer, type Server, type Socket } from "node:net"

export interface TcpRelay {
  readonly port: number
  readonly cut: () => Promise<void>
  readonly freeze: () => void
  readonly open: () => Promise<void>
}

export const startRelay = async (target: { readonly host: string; readonly port: number }): Promise<TcpRelay> => {
  const sockets = new Set<Socket>()
  let frozen = false
  let server: Server | undefined
  let port = 0
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => socket.destroy())
  }
  const open = () =>
    new Promise<void>((resolve, reject) => {
      frozen = false
      server = createServer((client) => {
        track(client)
        if (frozen) return
        const upstream = connect(target.port, target.host)
        track(upstream)
        for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
          from.on("data", (chunk) => frozen || to.write(chunk))
          from.on("close", () => to.destroy())
        }
      })
      server.once("error", reject)
      server.listen(port, "127.0.0.1", () => {
        const address = server!.address()
        if (typeof address === "object" && address !== null) port = address.port
        resolve()
      })
    })
  await open()
  return {
    get port() {
      return port
    },
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server!.close(() => resolve())
      }),
    freeze: () => {
      frozen = true
    },
    open
  }
}
