/**
 * Several built `todo-api` processes at once, as behind a load balancer: each on a free port,
 * all with one environment (so one database, and one Redis when it names one).
 */
import { type ApiProcess, type ApiProcessOptions, startApiProcess } from "./ApiProcess.js"

export interface ApiInstances {
  readonly instances: ReadonlyArray<ApiProcess>
  readonly urls: ReadonlyArray<string>
  /** SIGTERM to every instance still running; resolves once all have exited. */
  readonly stopAll: () => Promise<void>
}

/** Starts `count` instances at once (so their migrations race, as in a rolling start); all or none. */
export const startApiInstances = async (count: number, options: ApiProcessOptions): Promise<ApiInstances> => {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startApiProcess(options)))
  const instances = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []))
  const stopAll = async () => {
    await Promise.all(instances.map((instance) => instance.stop()))
  }
  const failure = started.find((result) => result.status === "rejected")
  if (failure !== undefined) {
    await stopAll()
    throw failure.reason
  }
  return { instances, urls: instances.map((instance) => instance.url), stopAll }
}
