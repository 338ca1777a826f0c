/**
 * How one environment variable is read, the same for every setting: a blank value (`NAME=` in a
 * `.env` template) is unset, a set value must parse, and a value that does not names the variable
 * and the rule it breaks (never the value of a secret or a URL). How a failed read is reported
 * too: every bad setting, one line each.
 */
import { Config, ConfigError, Either, Option } from "effect"

/** Turns a set value into the setting, or says which rule it breaks: "must be …". */
export type Parse<A> = (text: string) => Either.Either<A, string>

/** The setting, or none when the variable is unset or blank. */
export const optional = <A>(name: string, parse: Parse<A>): Config.Config<Option.Option<A>> =>
  Config.option(Config.string(name)).pipe(Config.mapOrFail((value) => {
    if (Option.isNone(value) || value.value.trim() === "") return Either.right(Option.none())
    return Either.match(parse(value.value), {
      onLeft: (rule) => Either.left(ConfigError.InvalidData([name], rule)),
      onRight: (setting) => Either.right(Option.some(setting))
    })
  }))

/** The setting, or `fallback` when the variable is unset or blank: the one place a default is written. */
export const withDefault = <A>(name: string, parse: Parse<A>, fallback: A): Config.Config<A> =>
  Config.map(optional(name, parse), Option.getOrElse(() => fallback))

export const text: Parse<string> = Either.right

const rangeOf = (min: number, max: number | undefined): string =>
  max !== undefined ? `from ${min} to ${max}` : min === 0 ? "zero or more" : `${min} or more`

const ofRange = (min: number, max: number | undefined): string => (max !== undefined ? "" : "of ") + rangeOf(min, max)

/** A whole number in a range; numbers are no secret, so the message quotes the value. */
export const integer = ({ max, min }: { readonly min: number; readonly max?: number }): Parse<number> => (text) => {
  const value = Number(text.trim())
  if (!Number.isInteger(value)) return Either.left(`must be a whole number ${ofRange(min, max)}, not "${text}"`)
  return value >= min && (max === undefined || value <= max)
    ? Either.right(value)
    : Either.left(`must be ${rangeOf(min, max)}, not "${text}"`)
}

/** A number, fractions allowed, of at least `min`. */
export const number = ({ min }: { readonly min: number }): Parse<number> => (text) => {
  const value = Number(text.trim())
  if (!Number.isFinite(value)) return Either.left(`must be a number ${ofRange(min, undefined)}, not "${text}"`)
  return value >= min ? Either.right(value) : Either.left(`must be ${rangeOf(min, undefined)}, not "${text}"`)
}

/** An absolute URL with one of `protocols` (`"https:"`); `rule` says what is expected. */
export const url = (protocols: ReadonlyArray<string>, rule: string): Parse<URL> => (text) => {
  const parsed = URL.canParse(text.trim()) ? new URL(text.trim()) : undefined
  return parsed !== undefined && protocols.includes(parsed.protocol) ? Either.right(parsed) : Either.left(rule)
}

const leavesOf = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...leavesOf(error.left), ...leavesOf(error.right)]
    default:
      return [`${error.path.join("_")}: ${error.message}`]
  }
}

/** Every bad setting a failed read found, one line each: `NAME: what is wrong`. */
export const problemsOf = (error: ConfigError.ConfigError): ReadonlyArray<string> => [...new Set(leavesOf(error))]

/** The exit code of a process refused by its configuration: the one every other failure at start-up has. */
export const INVALID_EXIT_CODE = 1
