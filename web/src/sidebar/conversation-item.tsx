/** One conversation in the sidebar: a link, and a menu to rename (in place) or delete it. */
import { type KeyboardEvent, useEffect, useRef, useState } from "react";
import type { Conversation } from "../../../src/core/conversation.js";
import { useTranslation } from "../i18n/translation.js";
import { AppLink } from "../ui/app-link.js";
import { EditIcon, MoreIcon, TrashIcon } from "../ui/icons.js";

type ConversationItemProps = {
  conversation: Conversation;
  active: boolean;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => Promise<void>;
  onDelete: (conversation: Conversation) => void;
};

export function ConversationItem({
  conversation,
  active,
  onOpen,
  onRename,
  onDelete,
}: ConversationItemProps) {
  const { t } = useTranslation();
  const title = conversation.title || t("sidebar.untitled");
  const [menuOpen, setMenuOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [draft, setDraft] = useState(title);
  const menu = useRef<HTMLDivElement>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!menuOpen) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !menuButton.current?.contains(target)) setMenuOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [menuOpen]);

  useEffect(() => {
    if (renaming) input.current?.select();
  }, [renaming]);

  const closeMenu = () => {
    setMenuOpen(false);
    menuButton.current?.focus();
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      items[(index + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length]?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeMenu();
    } else if (event.key === "Tab") {
      setMenuOpen(false);
    }
  };

  const finishRename = async (save: boolean) => {
    setRenaming(false);
    const next = draft.trim();
    if (save && next && next !== conversation.title) await onRename(conversation.id, next);
  };

  if (renaming) {
    return (
      <li className="conversation-item is-renaming">
        <input
          ref={input}
          className="rename-input"
          aria-label={t("sidebar.renameLabel", { title })}
          value={draft}
          maxLength={500}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => void finishRename(true)}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              void finishRename(true);
            } else if (event.key === "Escape") {
              event.preventDefault();
              void finishRename(false);
            }
          }}
        />
      </li>
    );
  }

  return (
    <li className={`conversation-item${active ? " is-active" : ""}${menuOpen ? " has-menu" : ""}`}>
      <AppLink
        href={`/c/${encodeURIComponent(conversation.id)}`}
        className="conversation-link"
        aria-current={active ? "page" : undefined}
        title={title}
        onOpen={() => onOpen(conversation.id)}
      >
        {title}
      </AppLink>
      <button
        ref={menuButton}
        type="button"
        className="icon-button conversation-menu-button"
        aria-label={t("sidebar.options", { title })}
        aria-haspopup="menu"
        aria-expanded={menuOpen}
        onClick={() => setMenuOpen((open) => !open)}
      >
        <MoreIcon />
      </button>
      {menuOpen && (
        <div
          ref={menu}
          className="menu"
          role="menu"
          aria-label={t("sidebar.options", { title })}
          onKeyDown={onMenuKeyDown}
        >
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setMenuOpen(false);
              setDraft(title);
              setRenaming(true);
            }}
          >
            <EditIcon />
            {t("sidebar.rename")}
          </button>
          <button
            type="button"
            role="menuitem"
            className="menu-item is-danger"
            onClick={() => {
              setMenuOpen(false);
              onDelete(conversation);
            }}
          >
            <TrashIcon />
            {t("sidebar.delete")}
          </button>
        </div>
      )}
    </li>
  );
}
