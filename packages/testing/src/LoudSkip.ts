/** A suite this machine cannot run is skipped, and says so on the console and in the report. */
import { describe, it } from "vitest"

export const skipLoudly = (name: string, reason: string): void => {
  console.warn(`SKIPPED "${name}": ${reason}`)
  describe.skip(name, () => {
    it(reason, () => {})
  })
}
