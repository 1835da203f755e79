/**
 * A reply rendered as Markdown. While it streams, only the blocks at its end are lexed and rendered again;
 * settled blocks keep their DOM. Code blocks' copy buttons and citation marks work here, through one click handler.
 */

import type { Token } from "marked";
import {
  type MouseEvent,
  memo,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { useTranslation } from "../i18n/translation.js";
import { copyText } from "../ui/copy-text.js";
import { highlighterVersion, subscribeToHighlighter } from "./code-highlighter.js";
import { MarkdownBlockSplitter } from "./markdown-block-splitter.js";
import { type CitationMarks, lexMarkdown, type MarkdownLabels } from "./markdown-parser.js";
import { morphChildren } from "./morph-children.js";
import { renderMarkdownBlock } from "./render-markdown-block.js";

const COPIED_MS = 1500;

type MarkdownViewProps = {
  text: string;
  streaming: boolean;
  /** The reply's checked citations by mark; null when `[S3]` is plain text (no bot's knowledge behind it). */
  citations?: CitationMarks | null;
  /** A citation mark was clicked: its mark (`S3`) and the button, to give the focus back to. */
  onCitation?: (marker: string, button: HTMLElement) => void;
};

export function MarkdownView({ text, streaming, citations = null, onCitation }: MarkdownViewProps) {
  const { t } = useTranslation();
  const [splitter] = useState(() => new MarkdownBlockSplitter());
  const version = useSyncExternalStore(subscribeToHighlighter, highlighterVersion);
  // A finished reply is lexed whole once, so that links defined at its end resolve everywhere.
  const blocks = useMemo(
    () => (streaming ? splitter.split(text) : [...lexMarkdown(text)]),
    [splitter, text, streaming],
  );
  const labels = useMemo<MarkdownLabels>(
    () => ({
      copyCode: t("message.copyCode"),
      plainCode: t("message.plainCode"),
      image: t("message.image"),
      citation: t("citation.mark"),
    }),
    [t],
  );

  const onClick = async (event: MouseEvent<HTMLDivElement>) => {
    const mark = (event.target as Element).closest<HTMLButtonElement>("button[data-citation]");
    if (mark?.dataset.citation) {
      onCitation?.(mark.dataset.citation, mark);
      return;
    }
    const button = (event.target as Element).closest<HTMLButtonElement>("button[data-copy-code]");
    const code = button?.closest(".code-block")?.querySelector("code");
    if (!button || !code) return;
    if (!(await copyText(code.textContent ?? ""))) return;
    button.textContent = t("message.copied");
    button.dataset.copied = "true";
    setTimeout(() => {
      button.textContent = labels.copyCode;
      delete button.dataset.copied;
    }, COPIED_MS);
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: delegates clicks of the code blocks' copy buttons and the citation marks, which are buttons themselves.
    <div className={`markdown${streaming ? " is-streaming" : ""}`} onClick={onClick}>
      {blocks.map((token, index) =>
        token.type === "space" ? null : (
          // Blocks only ever get added at the end, so a block's position is its identity.
          <MarkdownBlock
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            key={index}
            token={token}
            labels={labels}
            highlighterVersion={version}
            citations={citations}
          />
        ),
      )}
    </div>
  );
}

type MarkdownBlockProps = {
  token: Token;
  labels: MarkdownLabels;
  highlighterVersion: number;
  citations: CitationMarks | null;
};

const MarkdownBlock = memo(
  function MarkdownBlock({ token, labels, highlighterVersion, citations }: MarkdownBlockProps) {
    const element = useRef<HTMLDivElement>(null);
    // The block being written changes at its end: only the nodes that differ are replaced (morph-children.ts).
    // `highlighterVersion` is read so that a block renders again, coloured, once highlight.js has loaded.
    useLayoutEffect(() => {
      if (element.current && highlighterVersion >= 0)
        morphChildren(element.current, renderMarkdownBlock(token, labels, citations));
    }, [token, labels, highlighterVersion, citations]);
    return <div className="markdown-block" ref={element} />;
  },
  (before, after) =>
    before.token.raw === after.token.raw &&
    before.labels === after.labels &&
    before.highlighterVersion === after.highlighterVersion &&
    // A citation arrives after the text that cites it: only blocks with a mark render again.
    (before.citations === after.citations || !after.token.raw.includes("[S")),
);
