/** IANA time zones, as the platform (`Intl`) knows them. */
import { DateTime, Option, Schema } from "effect"

/** Names such as `Europe/Berlin`, `UTC` or `Etc/GMT+5`; offsets such as `+01:00` are not zone names. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/
const MAX_ZONE_NAME_LENGTH = 64

/** The zone of this name, if the platform knows it (case-insensitively, as `Intl` matches). */
export const zoneNamed = (name: string): Option.Option<DateTime.TimeZone> =>
  name.length <= MAX_ZONE_NAME_LENGTH && ZONE_NAME.test(name) ? DateTime.zoneMakeNamed(name) : Option.none()

const UTC = DateTime.zoneMakeOffset(0)

/** The zone a task repeats in: its own, or UTC when it has none. Stored names were checked when written. */
export const zoneOf = (name: string | null): DateTime.TimeZone =>
  name === null ? UTC : Option.getOrThrowWith(zoneNamed(name), () => new Error(`unknown time zone ${name}`))

export const TimeZoneName = Schema.String.pipe(
  Schema.filter((name) => Option.isSome(zoneNamed(name)) || "must be an IANA time zone name, such as Europe/Berlin")
)
