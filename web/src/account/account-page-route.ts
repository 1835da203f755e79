/**
 * The account pages' addresses, titles and order: small enough for the chat page to carry, while the pages themselves
 * load on demand. The tabs, the settings dialog and the window's title all read them here.
 */
import type { MessageKey } from "../i18n/en.js";

export type AccountPageName = "keys" | "usage" | "password" | "sessions" | "users";

/** In the order they are offered. */
const ACCOUNT_PAGES: readonly AccountPageName[] = ["keys", "usage", "password", "sessions", "users"];

export const ACCOUNT_PAGE_TITLES: Readonly<Record<AccountPageName, MessageKey>> = {
  keys: "account.keysTitle",
  usage: "account.usageTitle",
  password: "account.passwordTitle",
  sessions: "account.sessionsTitle",
  users: "account.usersTitle",
};

/** The pages offered to this user: the users page is an admin's. */
export function accountPagesFor(isAdmin: boolean): readonly AccountPageName[] {
  return isAdmin ? ACCOUNT_PAGES : ACCOUNT_PAGES.filter((page) => page !== "users");
}

export const ACCOUNT_PAGE_PATHS: Readonly<Record<AccountPageName, string>> = {
  keys: "/settings/keys",
  usage: "/settings/usage",
  password: "/settings/password",
  sessions: "/settings/sessions",
  users: "/settings/users",
};

export function accountPageFrom(pathname: string): AccountPageName | null {
  const trimmed = pathname.replace(/\/+$/, "");
  for (const [page, path] of Object.entries(ACCOUNT_PAGE_PATHS)) {
    if (trimmed === path) return page as AccountPageName;
  }
  return null;
}
