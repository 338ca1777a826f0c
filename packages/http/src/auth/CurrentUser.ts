/** The user a request acts for: the verified token's subject, as `Authentication` declares it. */
import type { UserId } from "@todo/core"
import { Context } from "effect"

export class CurrentUser extends Context.Tag("@todo/http/CurrentUser")<CurrentUser, UserId>() {}
