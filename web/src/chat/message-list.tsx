/**
 * The thread on screen, in a column that follows the end of a streaming reply until the user scrolls up;
 * then a "Jump to latest" button brings them back. A tool's result shows as a block of its own, named after the
 * tool whose call in the thread it answers.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { Citation } from "../../../src/core/citation-check.js";
import type { Attachment } from "../api/file-api.js";
import type { ModelListing } from "../api/model-listing.js";
import type { TreeMessage } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import { ArrowDownIcon } from "../ui/icons.js";
import { AssistantReply } from "./assistant-reply.js";
import type { RunRouting } from "./chat-session-state.js";
import { type MessageTree, siblingIds } from "./message-tree.js";
import { ToolResult } from "./tool-blocks.js";
import { toolCallsById } from "./tool-calls.js";
import { UserMessage } from "./user-message.js";

/** Within this many pixels of the end counts as at the end. */
const AT_END_PX = 48;

type MessageListProps = {
  thread: readonly TreeMessage[];
  tree: MessageTree;
  models: readonly ModelListing[];
  reconnecting: Readonly<Record<string, true>>;
  routing: Readonly<Record<string, RunRouting>>;
  citations: Readonly<Record<string, readonly Citation[]>>;
  /** A bot's conversation: its replies' marks like [S3] are citations. */
  citable: boolean;
  busy: boolean;
  /** Changes when the user sends, to bring the end into view whatever the scroll position was. */
  followSignal: number;
  onSelect: (messageId: string) => void;
  onEdit: (messageId: string, content: string, attachments: readonly Attachment[]) => void;
  onRegenerate: (messageId: string) => void;
  onCitation: (citation: Citation, number: number, mark: HTMLElement) => void;
  onFollowUp: (question: string) => void;
};

export function MessageList(props: MessageListProps) {
  const { thread, tree, models, reconnecting, routing, busy, followSignal, onSelect, onEdit, onRegenerate } =
    props;
  const { citations, citable, onCitation, onFollowUp } = props;
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [showJump, setShowJump] = useState(false);

  const scrollToEnd = useCallback((smooth: boolean) => {
    const element = scroller.current;
    if (!element) return;
    following.current = true;
    setShowJump(false);
    element.scrollTo({ top: element.scrollHeight, behavior: smooth ? "smooth" : "instant" });
  }, []);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight <= AT_END_PX;
    following.current = atEnd;
    setShowJump(!atEnd);
  };

  // After a render where text grew or a message came, keep the end in view while following; switching a
  // branch further up does not move the page.
  const lastLength = useRef(0);
  useLayoutEffect(() => {
    const element = scroller.current;
    const grew = thread.length > lastLength.current;
    lastLength.current = thread.length;
    if (element && following.current && (busy || grew)) element.scrollTop = element.scrollHeight;
  });

  useEffect(() => {
    if (followSignal > 0) scrollToEnd(false);
  }, [followSignal, scrollToEnd]);

  const last = thread.at(-1);
  const toolCalls = useMemo(() => toolCallsById(thread), [thread]);
  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll}>
      <div className="message-column">
        {thread.map((message) =>
          message.role === "user" ? (
            <UserMessage
              key={message.id}
              message={message}
              siblings={siblingIds(tree, message)}
              busy={busy}
              onSelect={onSelect}
              onEdit={onEdit}
            />
          ) : message.role === "tool" ? (
            <ToolResult
              key={message.id}
              message={message}
              toolName={message.toolCallId ? toolCalls.get(message.toolCallId)?.name : undefined}
              siblings={siblingIds(tree, message)}
              busy={busy}
              onSelect={onSelect}
            />
          ) : (
            <AssistantReply
              key={message.id}
              message={message}
              siblings={siblingIds(tree, message)}
              model={models.find((model) => model.id === message.model)}
              routing={routing[message.id]}
              reconnecting={reconnecting[message.id] === true}
              busy={busy}
              isLast={message === last}
              citations={citations[message.id]}
              citable={citable}
              onSelect={onSelect}
              onRegenerate={onRegenerate}
              onCitation={onCitation}
              onFollowUp={onFollowUp}
            />
          ),
        )}
      </div>
      {showJump && (
        <button type="button" className="jump-to-latest" onClick={() => scrollToEnd(true)}>
          <ArrowDownIcon />
          {t("message.jumpToLatest")}
        </button>
      )}
    </div>
  );
}
