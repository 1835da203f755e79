/**
 * The Parley web app: the sidebar and the chat, an account page or a bot page, the page's address (/ for a new
 * chat, /b/:slug for a new chat with a bot, /c/:id for a conversation, /settings/keys and /settings/usage, /bots
 * for the bots gallery, /bots/new and /bots/:id/edit for the bot editor), and the keyboard shortcuts that work
 * everywhere.
 */
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from "react";
import {
  ACCOUNT_PAGE_PATHS,
  ACCOUNT_PAGE_TITLES,
  type AccountPageName,
  accountPageFrom,
} from "./account/account-page-route.js";
import { type Account, useAccount } from "./account/use-account.js";
import type { BotListing, CurrentUser } from "./api/parley-api.js";
import { type BotPage, botPageFrom, botPagePath } from "./bots/bot-page-route.js";
import { useBotList } from "./bots/use-bot-list.js";
import { ChatView } from "./chat/chat-view.js";
import { TranslationProvider, useTranslation } from "./i18n/translation.js";
import { useModelChoice } from "./model-catalog/use-model-choice.js";
import { useModels } from "./model-catalog/use-models.js";
import { useThemePreference } from "./settings/theme-preference.js";
import { Sidebar } from "./sidebar/sidebar.js";
import { useConversationList } from "./sidebar/use-conversation-list.js";
import { useMediaQuery } from "./ui/use-media-query.js";

const SettingsDialog = lazy(() => import("./settings/settings-dialog.js"));
const SignInPage = lazy(() => import("./account/sign-in-page.js"));
const ACCOUNT_PAGES = {
  keys: lazy(() => import("./account/api-keys-page.js")),
  usage: lazy(() => import("./account/usage-page.js")),
  password: lazy(() => import("./account/password-page.js")),
  sessions: lazy(() => import("./account/sessions-page.js")),
  users: lazy(() => import("./account/users-page.js")),
} as const;

const BotGalleryPage = lazy(() => import("./bots/bot-gallery-page.js"));
const BotEditorPage = lazy(() => import("./bots/bot-editor-page.js"));

const SIDEBAR_STORAGE_KEY = "parley.sidebar";

type Route = {
  /** An account page instead of the chat. */
  page: AccountPageName | null;
  /** The bots gallery or the bot editor instead of the chat. */
  botPage: BotPage | null;
  conversationId: string | null;
  /** A new chat with this bot (slug or id). */
  botId: string | null;
  /** A new key gives the chat a fresh session; a chat that gets its id from its first message keeps its own. */
  sessionKey: number;
};

function conversationIdFrom(pathname: string): string | null {
  const match = /^\/c\/([^/]+)\/?$/.exec(pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

function botIdFrom(pathname: string): string | null {
  const match = /^\/b\/([^/]+)\/?$/.exec(pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

export function App() {
  return (
    <TranslationProvider>
      <AccountGate />
    </TranslationProvider>
  );
}

/** The chat for someone signed in (or anyone, in single-user mode); otherwise the sign-in page. */
function AccountGate() {
  const { t } = useTranslation();
  const account = useAccount();
  const { state } = account;
  if (state.kind === "checking") {
    return (
      <div className="app-loading" role="status">
        <span className="spinner" aria-hidden="true" />
        <span className="visually-hidden">{t("auth.checking")}</span>
      </div>
    );
  }
  if (state.kind === "unreachable") {
    return (
      <main className="sign-in-page">
        <div className="sign-in-card" role="alert">
          <p>{t("auth.unreachable", { message: state.message })}</p>
          <button type="button" className="button primary" onClick={account.recheck}>
            {t("auth.retry")}
          </button>
        </div>
      </main>
    );
  }
  if (state.kind === "signed-out") {
    return (
      <Suspense fallback={null}>
        <SignInPage needsSetup={state.needsSetup} onSubmit={account.signIn} />
      </Suspense>
    );
  }
  return <ParleyApp account={account} current={state.current} />;
}

function ParleyApp({ account, current }: { account: Account; current: CurrentUser }) {
  const { t } = useTranslation();
  const [route, setRoute] = useState<Route>(() => ({
    page: accountPageFrom(location.pathname),
    botPage: botPageFrom(location.pathname),
    conversationId: conversationIdFrom(location.pathname),
    botId: botIdFrom(location.pathname),
    sessionKey: 0,
  }));
  const list = useConversationList();
  const bots = useBotList();
  const models = useModels();
  const [modelChoice, setModelChoice] = useModelChoice();
  const [theme, setTheme] = useThemePreference();
  const [settingsOpen, setSettingsOpen] = useState(false);
  const drawer = useMediaQuery("(max-width: 767px)");
  const [wideSidebarOpen, setWideSidebarOpen] = useState(() => readSidebarPreference());
  const [drawerOpen, setDrawerOpen] = useState(false);
  const sidebarOpen = drawer ? drawerOpen : wideSidebarOpen;
  const search = useRef<HTMLInputElement>(null);

  const setSidebarOpen = useCallback(
    (open: boolean) => {
      if (drawer) {
        setDrawerOpen(open);
        return;
      }
      setWideSidebarOpen(open);
      try {
        localStorage.setItem(SIDEBAR_STORAGE_KEY, open ? "open" : "closed");
      } catch {
        // Private mode: remembered for this page only.
      }
    },
    [drawer],
  );

  const navigate = useCallback((conversationId: string | null) => {
    const path = conversationId ? `/c/${encodeURIComponent(conversationId)}` : "/";
    if (location.pathname !== path) history.pushState(null, "", path);
    setRoute((current) => ({
      page: null,
      botPage: null,
      conversationId,
      botId: null,
      sessionKey: current.sessionKey + 1,
    }));
    setDrawerOpen(false);
  }, []);

  const chatWithBot = useCallback((botId: string) => {
    const path = `/b/${encodeURIComponent(botId)}`;
    if (location.pathname !== path) history.pushState(null, "", path);
    setRoute((current) => ({
      page: null,
      botPage: null,
      conversationId: null,
      botId,
      sessionKey: current.sessionKey + 1,
    }));
    setDrawerOpen(false);
  }, []);

  const openPage = useCallback((page: AccountPageName) => {
    const path = ACCOUNT_PAGE_PATHS[page];
    if (location.pathname !== path) history.pushState(null, "", path);
    setRoute((current) => ({
      page,
      botPage: null,
      conversationId: null,
      botId: null,
      sessionKey: current.sessionKey + 1,
    }));
    setSettingsOpen(false);
    setDrawerOpen(false);
  }, []);

  const openBotPage = useCallback((botPage: BotPage) => {
    const path = botPagePath(botPage);
    if (location.pathname !== path) history.pushState(null, "", path);
    setRoute((current) => ({
      page: null,
      botPage,
      conversationId: null,
      botId: null,
      sessionKey: current.sessionKey + 1,
    }));
    setDrawerOpen(false);
  }, []);

  const onBotCreated = useCallback((botId: string) => {
    // The editor on screen got its bot: the address follows, the editor (and its preview) stays.
    history.replaceState(null, "", botPagePath({ kind: "editor", botId }));
    setRoute((current) => ({ ...current, botPage: { kind: "editor", botId } }));
  }, []);

  useEffect(() => {
    const onPopState = () => {
      const page = accountPageFrom(location.pathname);
      const botPage = botPageFrom(location.pathname);
      const botId = botIdFrom(location.pathname);
      if (page) openPage(page);
      else if (botPage) openBotPage(botPage);
      else if (botId) chatWithBot(botId);
      else navigate(conversationIdFrom(location.pathname));
    };
    window.addEventListener("popstate", onPopState);
    return () => window.removeEventListener("popstate", onPopState);
  }, [navigate, openPage, openBotPage, chatWithBot]);

  const onConversationCreated = useCallback((conversationId: string) => {
    // The chat on screen got its id: the address follows, the session (and its stream) stays.
    history.replaceState(null, "", `/c/${encodeURIComponent(conversationId)}`);
    setRoute((current) => ({ ...current, conversationId, botId: null }));
  }, []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const modifier = event.metaKey || event.ctrlKey;
      if (modifier && !event.shiftKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setSidebarOpen(true);
        requestAnimationFrame(() => search.current?.focus());
      } else if (modifier && event.shiftKey && event.key.toLowerCase() === "o") {
        event.preventDefault();
        navigate(null);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [navigate, setSidebarOpen]);

  const conversationTitle = list.conversations.find(
    (conversation) => conversation.id === route.conversationId,
  )?.title;
  const title = route.page
    ? t(ACCOUNT_PAGE_TITLES[route.page])
    : route.botPage
      ? t(route.botPage.kind === "gallery" ? "botGallery.title" : "botEditor.title")
      : conversationTitle;
  useEffect(() => {
    document.title = title ? `${title} · Parley` : "Parley";
  }, [title]);
  const isAdmin = current.mode === "accounts" && current.user.role === "admin";
  const AccountPage = route.page ? ACCOUNT_PAGES[route.page] : null;
  const pageFallback = (
    <main className="account-page" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
    </main>
  );

  return (
    <div className={`app${sidebarOpen ? " sidebar-open" : ""}${drawer ? " is-narrow" : ""}`}>
      <a className="skip-link" href="#composer-input">
        {t("app.skipToComposer")}
      </a>
      <Sidebar
        list={list}
        bots={bots.bots}
        activeBotId={route.page ? null : route.botId}
        onChatWithBot={(bot: BotListing) => chatWithBot(bot.slug)}
        galleryOpen={route.botPage?.kind === "gallery"}
        onOpenGallery={() => openBotPage({ kind: "gallery" })}
        activeId={route.conversationId}
        open={sidebarOpen}
        drawer={drawer}
        searchRef={search}
        onClose={() => setSidebarOpen(false)}
        onNewChat={() => navigate(null)}
        onOpenConversation={navigate}
        onDeleted={(id) => {
          if (id === route.conversationId) navigate(null);
        }}
        onOpenSettings={() => setSettingsOpen(true)}
        accountName={current.user.email ?? null}
      />
      {route.botPage ? (
        <Suspense fallback={pageFallback}>
          {route.botPage.kind === "gallery" ? (
            <BotGalleryPage
              key={route.sessionKey}
              userId={current.user.id}
              sidebarOpen={sidebarOpen}
              onOpenSidebar={() => setSidebarOpen(true)}
              onChatWithBot={(bot) => chatWithBot(bot.slug)}
              onOpenBotPage={openBotPage}
            />
          ) : (
            <BotEditorPage
              key={route.sessionKey}
              botId={route.botPage.botId}
              models={models}
              sidebarOpen={sidebarOpen}
              onOpenSidebar={() => setSidebarOpen(true)}
              onOpenBotPage={openBotPage}
              onCreated={onBotCreated}
              onBotsChanged={bots.reload}
            />
          )}
        </Suspense>
      ) : AccountPage ? (
        <Suspense fallback={pageFallback}>
          <AccountPage
            key={route.sessionKey}
            mode={current.mode}
            userId={current.user.id}
            isAdmin={isAdmin}
            sidebarOpen={sidebarOpen}
            onOpenSidebar={() => setSidebarOpen(true)}
            onOpenPage={openPage}
          />
        </Suspense>
      ) : (
        <ChatView
          key={route.sessionKey}
          conversationId={route.conversationId}
          botId={route.botId}
          models={models}
          modelChoice={modelChoice}
          onModelChoice={setModelChoice}
          sidebarOpen={sidebarOpen}
          onOpenSidebar={() => setSidebarOpen(true)}
          onNewChat={() => navigate(null)}
          onConversationCreated={onConversationCreated}
          onConversationsChanged={list.reload}
        />
      )}
      {settingsOpen && (
        <Suspense fallback={null}>
          <SettingsDialog
            theme={theme}
            onTheme={setTheme}
            onClose={() => setSettingsOpen(false)}
            onOpenPage={openPage}
            isAdmin={isAdmin}
            onSignOut={current.mode === "accounts" ? account.signOut : null}
          />
        </Suspense>
      )}
    </div>
  );
}

function readSidebarPreference(): boolean {
  try {
    return localStorage.getItem(SIDEBAR_STORAGE_KEY) !== "closed";
  } catch {
    return true;
  }
}
