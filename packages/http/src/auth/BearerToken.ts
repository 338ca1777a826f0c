/** The token of an `Authorization: Bearer <token>` header, the scheme in any case. */

const BEARER = /^bearer[ \t]+(.*)$/is

/**
 * None for a missing header, another scheme or an empty token (the platform's bearer decoding
 * checks neither the scheme nor tells those apart).
 */
export const bearerToken = (header: string | undefined): string | undefined => {
  const token = header === undefined ? undefined : BEARER.exec(header.trim())?.[1]?.trim()
  return token === undefined || token === "" ? undefined : token
}
