/**
 * The bearer authentication every task route declares: the OpenAPI security scheme, and the
 * 401 and 429 problems of each task endpoint. The routes answered ahead of HttpApi run it
 * themselves (`auth/BearerAuthentication.ts`, typed by this failure) and hand the user to each
 * operation as an argument, so it provides no service.
 */
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import { Schema } from "effect"
import { Declared } from "../problems/Problem.js"

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@todo/http/Authentication", {
  failure: Schema.Union(Declared.InvalidToken, Declared.RateLimited),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** What authenticating a request may fail with, as declared. */
export type AuthenticationFailure = HttpApiMiddleware.HttpApiMiddleware.Error<Authentication>
