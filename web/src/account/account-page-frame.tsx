/**
 * The frame of an account page (API keys, usage, password, sessions, and users for admins): a header with the page's title and tabs, and a
 * centred column.
 */
import type { ReactNode } from "react";
import type { AuthMode } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { AppLink } from "../ui/app-link.js";
import { PageHeader } from "../ui/page-header.js";
import {
  ACCOUNT_PAGE_PATHS,
  ACCOUNT_PAGE_TITLES,
  type AccountPageName,
  accountPagesFor,
} from "./account-page-route.js";
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

export function AccountPageFrame({
  page,
  props,
  children,
}: {
  page: AccountPageName;
  props: AccountPageProps;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <main className="account-page" aria-labelledby="account-page-title">
      <PageHeader sidebarOpen={props.sidebarOpen} onOpenSidebar={props.onOpenSidebar}>
        <nav className="account-tabs" aria-label={t("account.pages")}>
          {accountPagesFor(props.isAdmin).map((tab) => (
            <AppLink
              key={tab}
              href={ACCOUNT_PAGE_PATHS[tab]}
              className="account-tab"
              aria-current={tab === page ? "page" : undefined}
              onOpen={() => props.onOpenPage(tab)}
            >
              {t(ACCOUNT_PAGE_TITLES[tab])}
            </AppLink>
          ))}
        </nav>
      </PageHeader>
      <div className="account-scroller">
        <div className="account-column">
          <h1 id="account-page-title">{t(ACCOUNT_PAGE_TITLES[page])}</h1>
          {children}
        </div>
      </div>
    </main>
  );
}
