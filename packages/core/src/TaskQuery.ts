/** The list query: filters, a total order (ties broken by id) and keyset paging. */
import { ParseResult, Schema } from "effect"
import { DateTimeWithOffset, Priority, type TaskId, Text } from "./Task.js"

export const SortKey = Schema.Literal("created_at", "updated_at", "title", "due_date", "priority")
export type SortKey = typeof SortKey.Type

const sortAliases: Record<string, SortKey> = { created: "created_at", updated: "updated_at" }

const SortParam = Schema.transform(
  Schema.Literal("created_at", "created", "updated_at", "updated", "title", "due_date", "priority"),
  SortKey,
  { strict: true, decode: (key) => sortAliases[key] ?? (key as SortKey), encode: (key) => key }
)

export const StatusFilter = Schema.Literal("all", "pending", "completed")
export type StatusFilter = typeof StatusFilter.Type

export const SortOrder = Schema.Literal("asc", "desc")
export type SortOrder = typeof SortOrder.Type

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 500

const LIMIT_RULE = `must be a whole number from 1 to ${MAX_LIMIT}`

const LIMIT_SCHEMA = { type: "integer", minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } as const

const LIMIT_ANNOTATIONS = { description: `How many tasks at most, 1 to ${MAX_LIMIT}; default ${DEFAULT_LIMIT}`, jsonSchema: LIMIT_SCHEMA }

export const PageLimit = Schema.Number.pipe(
  Schema.filter((n) => (Number.isInteger(n) && n >= 1 && n <= MAX_LIMIT) || LIMIT_RULE, LIMIT_ANNOTATIONS)
)

/** `limit` as a query string or a command line carries it: digits only, so 1e2 or 0x10 are refused. */
export const PageLimitFromString = Schema.transformOrFail(Schema.String, PageLimit, {
  strict: true,
  decode: (text, _, ast) =>
    /^[0-9]{1,9}$/.test(text.trim())
      ? ParseResult.succeed(Number(text.trim()))
      : ParseResult.fail(new ParseResult.Type(ast, text, LIMIT_RULE)),
  encode: (n) => ParseResult.succeed(String(n))
}).annotations(LIMIT_ANNOTATIONS)

/** The list parameters as text, the way a query string or a command line carries them. */
export const TaskListParams = Schema.Struct({
  status: Schema.optionalWith(StatusFilter, { default: () => "all" as const }),
  q: Schema.optional(Text({ max: 200 })),
  priority: Schema.optional(Priority),
  tag: Schema.optional(Text({ trim: true })),
  due_before: Schema.optional(DateTimeWithOffset),
  due_after: Schema.optional(DateTimeWithOffset),
  sort: Schema.optionalWith(SortParam.annotations({ default: "created_at", description: "created and updated are aliases" }), {
    default: () => "created_at" as const
  }),
  order: Schema.optionalWith(SortOrder.annotations({ default: "desc" }), { default: () => "desc" as const }),
  limit: Schema.optionalWith(PageLimitFromString, { default: () => DEFAULT_LIMIT }),
  cursor: Schema.optional(Schema.String)
}).annotations({ identifier: "TaskListParams" })
export type TaskListParams = typeof TaskListParams.Type

/**
 * Where a page starts: the sort value and id of the last task of the previous page.
 * Dates are epoch milliseconds; a missing due date is `null` and sorts after every date;
 * priorities are ranks (low 0, medium 1, high 2).
 */
export interface PagePosition {
  readonly value: string | number | null
  readonly id: TaskId
}

/** What a repository is asked for: filters, order, how many, and after which task. */
export interface TaskListQuery {
  readonly status: StatusFilter
  readonly q?: string | undefined
  readonly priority?: Priority | undefined
  readonly tag?: string | undefined
  readonly due_before?: TaskListParams["due_before"]
  readonly due_after?: TaskListParams["due_after"]
  readonly sort: SortKey
  readonly order: SortOrder
  readonly limit: number
  readonly after?: PagePosition | undefined
}

export const PRIORITY_RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2 }
