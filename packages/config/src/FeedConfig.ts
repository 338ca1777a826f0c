/** How long the change feed keeps changes. */
import { Config, Either } from "effect"
import * as Setting from "./Setting.js"

export interface FeedConfig {
  /** Changes older than this many hours (fractions allowed) are dropped; a cursor before them is 410. */
  readonly retentionHours: number
}

const positiveHours: Setting.Parse<number> = (text) =>
  Either.flatMap(
    Setting.number({ min: 0 })(text),
    (hours) => hours > 0 ? Either.right(hours) : Either.left(`must be a number of hours above 0, not "${text}"`)
  )

export const retentionHours = Setting.withDefault("CHANGES_RETENTION_H", positiveHours, 168)

export const config: Config.Config<FeedConfig> = Config.all({ retentionHours })
