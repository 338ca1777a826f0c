/** The `If-Match` request header (RFC 9110 §13.1.1), as far as this API honours it. */

export type IfMatch =
  | { readonly _tag: "Any" }
  | { readonly _tag: "Versions"; readonly versions: ReadonlyArray<string> }

const any: IfMatch = { _tag: "Any" }

/**
 * `*`, or a comma-separated list of entity tags. A weak tag (`W/"…"`) is taken for its opaque
 * value, and a bare value for itself, since clients often forget the quotes. An empty header
 * is no precondition at all.
 */
export const parseIfMatch = (header: string | undefined): IfMatch | undefined => {
  if (header === undefined) return undefined
  if (header.trim() === "*") return any
  const versions = header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//i, "").replace(/^"(.*)"$/, "$1"))
    .filter((version) => version !== "")
  return versions.length === 0 ? undefined : { _tag: "Versions", versions }
}
