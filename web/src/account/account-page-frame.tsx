/**
 * The frame of an account page (API keys, usage, password, sessions, and users for admins): a header with the page's title and tabs, and a
 * centred column.
 */
import type { ReactNode } from "react";
import type { AuthMode } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { AppLink } from "../ui/app-link.js";
import { PageHeader } from "../ui/page-header.js";
import { ACCOUNT_PAGE_PATHS, type AccountPageName } from "./account-page-route.js";
import "./account-pages.css";

/** What app.tsx gives each account page. */
export type AccountPageProps = {
  mode: AuthMode;
  /** The signed-in user's id. */
  userId: string;
  /** An admin of a server with accounts: the users page is theirs. */
  isAdmin: boolean;
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  onOpenPage: (page: AccountPageName) => void;
};

const TABS: readonly {
  page: AccountPageName;
  label:
    | "account.keysTitle"
    | "account.usageTitle"
    | "account.passwordTitle"
    | "account.sessionsTitle"
    | "account.usersTitle";
  adminOnly?: boolean;
}[] = [
  { page: "keys", label: "account.keysTitle" },
  { page: "usage", label: "account.usageTitle" },
  { page: "password", label: "account.passwordTitle" },
  { page: "sessions", label: "account.sessionsTitle" },
  { page: "users", label: "account.usersTitle", adminOnly: true },
];

export function AccountPageFrame({
  page,
  title,
  props,
  children,
}: {
  page: AccountPageName;
  title: string;
  props: AccountPageProps;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <main className="account-page" aria-labelledby="account-page-title">
      <PageHeader sidebarOpen={props.sidebarOpen} onOpenSidebar={props.onOpenSidebar}>
        <nav className="account-tabs" aria-label={t("account.pages")}>
          {TABS.filter((tab) => !tab.adminOnly || props.isAdmin).map((tab) => (
            <AppLink
              key={tab.page}
              href={ACCOUNT_PAGE_PATHS[tab.page]}
              className="account-tab"
              aria-current={tab.page === page ? "page" : undefined}
              onOpen={() => props.onOpenPage(tab.page)}
            >
              {t(tab.label)}
            </AppLink>
          ))}
        </nav>
      </PageHeader>
      <div className="account-scroller">
        <div className="account-column">
          <h1 id="account-page-title">{title}</h1>
          {children}
        </div>
      </div>
    </main>
  );
}
