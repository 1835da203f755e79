/**
 * The left column: New chat, search, the bots, the conversations by day, and settings. Collapsible on a
 * wide screen; a drawer over the chat on a narrow one.
 */
import { type Ref, useEffect, useRef, useState } from "react";
import type { Conversation } from "../../../src/core/conversation.js";
import { type BotListing, deleteConversation, renameConversation } from "../api/parley-api.js";
import { BotGallery } from "../bots/bot-gallery.js";
import { useTranslation } from "../i18n/translation.js";
import { ConfirmDialog } from "../ui/confirm-dialog.js";
import { IconButton } from "../ui/icon-button.js";
import { CloseIcon, NewChatIcon, SearchIcon, SettingsIcon, SidebarIcon } from "../ui/icons.js";
import { ConversationItem } from "./conversation-item.js";
import { groupConversations } from "./group-conversations.js";
import type { ConversationList } from "./use-conversation-list.js";

type SidebarProps = {
  list: ConversationList;
  bots: readonly BotListing[];
  /** The bot of a new chat on screen. */
  activeBotId: string | null;
  onChatWithBot: (bot: BotListing) => void;
  /** The bots gallery page is on screen. */
  galleryOpen: boolean;
  onOpenGallery: () => void;
  activeId: string | null;
  open: boolean;
  drawer: boolean;
  searchRef: Ref<HTMLInputElement>;
  onClose: () => void;
  onNewChat: () => void;
  onOpenConversation: (id: string) => void;
  onDeleted: (id: string) => void;
  onOpenSettings: () => void;
  /** The signed-in user's email; null for the local user of a single-user server. */
  accountName: string | null;
};

export function Sidebar(props: SidebarProps) {
  const { list, activeId, open, drawer } = props;
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState<Conversation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const nav = useRef<HTMLElement>(null);

  // An opened drawer takes the focus, and Esc closes it, as a dialog would.
  useEffect(() => {
    if (drawer && open) nav.current?.querySelector<HTMLElement>(".new-chat-button")?.focus();
  }, [drawer, open]);

  const rename = async (id: string, title: string) => {
    const before = list.conversations.find((conversation) => conversation.id === id);
    list.patch(id, { title });
    try {
      await renameConversation(id, title);
      setProblem(null);
    } catch (error) {
      if (before) list.patch(id, { title: before.title });
      setProblem(t("sidebar.actionFailed", { message: (error as Error).message }));
    }
    list.reload();
  };

  const remove = async (conversation: Conversation) => {
    setConfirming(null);
    list.patch(conversation.id, null);
    try {
      await deleteConversation(conversation.id);
      setProblem(null);
      props.onDeleted(conversation.id);
    } catch (error) {
      setProblem(t("sidebar.actionFailed", { message: (error as Error).message }));
    }
    list.reload();
  };

  // A conversation gets its title from its first message: one without is empty, left by a first message the
  // server refused (a quota, no model able to answer). It is shown while open, so it can be sent to again, and
  // not otherwise.
  const groups = groupConversations(
    list.conversations.filter((conversation) => conversation.title !== "" || conversation.id === activeId),
  );

  return (
    <>
      {drawer && open && (
        <button
          type="button"
          className="sidebar-backdrop"
          aria-label={t("sidebar.close")}
          tabIndex={-1}
          onClick={props.onClose}
        />
      )}
      <nav
        ref={nav}
        className="sidebar"
        aria-label={t("sidebar.conversations")}
        inert={!open}
        data-open={open}
        onKeyDown={(event) => {
          if (drawer && event.key === "Escape" && !event.defaultPrevented) props.onClose();
        }}
      >
        <div className="sidebar-top">
          <span className="sidebar-brand">{t("app.name")}</span>
          <IconButton label={t("sidebar.close")} onClick={props.onClose}>
            {drawer ? <CloseIcon /> : <SidebarIcon />}
          </IconButton>
        </div>
        <button type="button" className="new-chat-button" onClick={props.onNewChat}>
          <NewChatIcon />
          {t("sidebar.newChat")}
        </button>
        <search className="sidebar-search">
          <SearchIcon />
          <input
            ref={props.searchRef}
            type="search"
            aria-label={t("sidebar.search")}
            aria-keyshortcuts="Control+K Meta+K"
            placeholder={t("sidebar.searchPlaceholder")}
            value={list.query}
            onChange={(event) => list.setQuery(event.target.value)}
          />
          <span className="shortcut" aria-hidden="true">
            {navigator.platform.startsWith("Mac") ? "⌘K" : "Ctrl K"}
          </span>
        </search>
        <BotGallery
          bots={props.bots}
          activeBotId={props.activeBotId}
          onChatWithBot={props.onChatWithBot}
          galleryOpen={props.galleryOpen}
          onOpenGallery={props.onOpenGallery}
        />
        <div className="conversation-groups">
          {problem && (
            <div className="sidebar-problem" role="alert">
              {problem}
            </div>
          )}
          {list.error && (
            <div className="sidebar-problem">{t("sidebar.loadFailed", { message: list.error })}</div>
          )}
          {list.loaded && !list.error && groups.length === 0 && (
            <p className="sidebar-empty">
              {list.query.trim() ? t("sidebar.noResults", { query: list.query.trim() }) : t("sidebar.empty")}
            </p>
          )}
          {groups.map((group) => (
            <section key={group.name} className="conversation-group" aria-labelledby={`group-${group.name}`}>
              <h2 id={`group-${group.name}`}>{t(`sidebar.${group.name}`)}</h2>
              <ul>
                {group.conversations.map((conversation) => (
                  <ConversationItem
                    key={conversation.id}
                    conversation={conversation}
                    active={conversation.id === activeId}
                    onOpen={props.onOpenConversation}
                    onRename={rename}
                    onDelete={setConfirming}
                  />
                ))}
              </ul>
            </section>
          ))}
        </div>
        <div className="sidebar-bottom">
          <span className="account">
            <span className="avatar" aria-hidden="true">
              {(props.accountName ?? t("sidebar.account")).slice(0, 1).toUpperCase()}
            </span>
            <span className="account-name">{props.accountName ?? t("sidebar.account")}</span>
          </span>
          <IconButton label={t("sidebar.settings")} onClick={props.onOpenSettings}>
            <SettingsIcon />
          </IconButton>
        </div>
      </nav>
      {confirming && (
        <ConfirmDialog
          title={t("sidebar.deleteConfirmTitle")}
          body={t("sidebar.deleteConfirmBody", { title: confirming.title || t("sidebar.untitled") })}
          confirmLabel={t("sidebar.delete")}
          cancelLabel={t("sidebar.cancel")}
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </>
  );
}
