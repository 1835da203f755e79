/**
 * The source of a citation, beside the chat (a sheet from the bottom on a phone): the knowledge file's title and
 * text, with the cited sentence highlighted and scrolled into view. Loaded the first time a mark is clicked.
 */
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Citation } from "../../../src/core/citation-check.js";
import type { KnowledgeDocument } from "../../../src/core/knowledge.js";
import { getKnowledgeDocument } from "../api/bot-api.js";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";
import { BusyStatus } from "../ui/busy-status.js";
import { IconButton } from "../ui/icon-button.js";
import { CloseIcon } from "../ui/icons.js";
import "./citation-panel.css";

type CitationPanelProps = {
  /** The bot of the conversation (id or slug): whoever may chat with it may read its knowledge files. */
  botId: string;
  citation: Citation;
  number: number;
  onClose: () => void;
};

type DocumentState =
  | { kind: "loading" }
  | { kind: "loaded"; document: KnowledgeDocument }
  | { kind: "failed"; message: string };

/** Knowledge files do not change once added: each is fetched once per page. */
const documents = new Map<string, Promise<KnowledgeDocument>>();

function loadDocument(botId: string, documentId: string): Promise<KnowledgeDocument> {
  const key = `${botId}\u0000${documentId}`;
  let loading = documents.get(key);
  if (!loading) {
    loading = getKnowledgeDocument(botId, documentId);
    documents.set(key, loading);
    loading.catch(() => documents.delete(key));
  }
  return loading;
}

export default function CitationPanel({ botId, citation, number, onClose }: CitationPanelProps) {
  const { t } = useTranslation();
  const [state, setState] = useState<DocumentState>({ kind: "loading" });
  const closeButton = useRef<HTMLButtonElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const highlight = useRef<HTMLElement>(null);

  useEffect(() => {
    let current = true;
    setState({ kind: "loading" });
    loadDocument(botId, citation.documentId).then(
      (document) => current && setState({ kind: "loaded", document }),
      (error: unknown) => current && setState({ kind: "failed", message: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [botId, citation.documentId]);

  // Each new citation takes the focus, so keyboard and screen reader users land on the source.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new citation is the reason to move the focus.
  useEffect(() => {
    closeButton.current?.focus();
  }, [citation]);

  // The sentence in the middle of the panel. Scrolled by hand: scrollIntoView would also scroll the app's
  // overflow-hidden containers, shifting the whole page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the text or the cited sentence changes.
  useLayoutEffect(() => {
    const scroller = body.current;
    const mark = highlight.current;
    if (!scroller || !mark) return;
    const top = mark.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
    scroller.scrollTop = Math.max(0, top - (scroller.clientHeight - mark.offsetHeight) / 2);
  }, [state, citation]);

  let content: ReactNode;
  if (state.kind === "loading") {
    content = <BusyStatus className="citation-panel-status">{t("citation.loading")}</BusyStatus>;
  } else {
    const text = state.kind === "loaded" ? state.document.content : null;
    // The offsets are checked against the text when the reply is written; should it differ now, the cited
    // sentence alone is shown rather than the wrong one highlighted.
    const matches = text !== null && text.slice(citation.start, citation.end) === citation.citedText;
    content = (
      <>
        {state.kind === "failed" && (
          <p className="citation-panel-problem" role="alert">
            {t("citation.loadFailed", { message: state.message })}
          </p>
        )}
        {text !== null && !matches && <p className="citation-panel-problem">{t("citation.changed")}</p>}
        <div className="citation-document">
          {matches && text.slice(0, citation.start)}
          <mark ref={highlight} className="citation-highlight">
            {citation.citedText}
          </mark>
          {matches && text.slice(citation.end)}
        </div>
      </>
    );
  }

  return (
    <>
      <button
        type="button"
        className="citation-backdrop"
        aria-label={t("citation.close")}
        tabIndex={-1}
        onClick={onClose}
      />
      <aside
        className="citation-panel"
        aria-labelledby="citation-panel-title"
        onKeyDown={(event) => {
          if (event.key === "Escape" && !event.defaultPrevented) {
            event.preventDefault();
            onClose();
          }
        }}
      >
        <header className="citation-panel-header">
          <div className="citation-panel-heading">
            <span className="citation-panel-number">{t("citation.source", { number })}</span>
            <h2 id="citation-panel-title">{citation.title}</h2>
          </div>
          <IconButton ref={closeButton} label={t("citation.close")} onClick={onClose}>
            <CloseIcon />
          </IconButton>
        </header>
        <div className="citation-panel-body" ref={body}>
          {content}
        </div>
      </aside>
    </>
  );
}
