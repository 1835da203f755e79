/**
 * A reply rendered as Markdown. While it streams, only the blocks at its end are lexed and rendered again;
 * settled blocks keep their DOM. Code blocks get their copy buttons here, through one click handler.
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
import { lexMarkdown, type MarkdownLabels } from "./markdown-parser.js";
import { morphChildren } from "./morph-children.js";
import { renderMarkdownBlock } from "./render-markdown-block.js";

const COPIED_MS = 1500;

export function MarkdownView({ text, streaming }: { text: string; streaming: boolean }) {
  const { t } = useTranslation();
  const [splitter] = useState(() => new MarkdownBlockSplitter());
  const version = useSyncExternalStore(subscribeToHighlighter, highlighterVersion);
  // A finished reply is lexed whole once, so that links defined at its end resolve everywhere.
  const blocks = useMemo(
    () => (streaming ? splitter.split(text) : [...lexMarkdown(text)]),
    [splitter, text, streaming],
  );
  const labels = useMemo<MarkdownLabels>(
    () => ({ copyCode: t("message.copyCode"), plainCode: t("message.plainCode"), image: t("message.image") }),
    [t],
  );

  const onClick = async (event: MouseEvent<HTMLDivElement>) => {
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
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: delegates clicks of the code blocks' own buttons, which are keyboard-reachable.
    <div className={`markdown${streaming ? " is-streaming" : ""}`} onClick={onClick}>
      {blocks.map((token, index) =>
        token.type === "space" ? null : (
          // Blocks only ever get added at the end, so a block's position is its identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above.
          <MarkdownBlock key={index} token={token} labels={labels} highlighterVersion={version} />
        ),
      )}
    </div>
  );
}

type MarkdownBlockProps = { token: Token; labels: MarkdownLabels; highlighterVersion: number };

const MarkdownBlock = memo(
  function MarkdownBlock({ token, labels, highlighterVersion }: MarkdownBlockProps) {
    const element = useRef<HTMLDivElement>(null);
    // The block being written changes at its end: only the nodes that differ are replaced (morph-children.ts).
    // `highlighterVersion` is read so that a block renders again, coloured, once highlight.js has loaded.
    useLayoutEffect(() => {
      if (element.current && highlighterVersion >= 0)
        morphChildren(element.current, renderMarkdownBlock(token, labels));
    }, [token, labels, highlighterVersion]);
    return <div className="markdown-block" ref={element} />;
  },
  (before, after) =>
    before.token.raw === after.token.raw &&
    before.labels === after.labels &&
    before.highlighterVersion === after.highlighterVersion,
);
