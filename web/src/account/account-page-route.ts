/** The account pages' addresses: small enough for the chat page to carry, while the pages themselves load on demand. */
export type AccountPageName = "keys" | "usage" | "password" | "sessions" | "users";

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
