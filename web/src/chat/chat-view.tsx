/**
 * The main column: header with the model picker (or the bot), the conversation (or a new chat's empty state), the
 * composer; and beside it, once a citation mark is clicked, the cited source.
 */
import { lazy, type ReactNode, Suspense, useCallback, useEffect, useRef, useState } from "react";
import type { Citation } from "../../../src/core/citation-check.js";
import type { Attachment } from "../api/file-api.js";
import { BotBadge } from "../bots/bot-badge.js";
import { useBot } from "../bots/use-bot.js";
import { type Translate, useTranslation } from "../i18n/translation.js";
import { type ImageSight, imageSight } from "../model-catalog/image-sight.js";
import { ModelPicker, modelPrice } from "../model-catalog/model-picker.js";
import { AUTO_MODEL, answeringModel, requestedModel } from "../model-catalog/use-model-choice.js";
import type { ModelsState } from "../model-catalog/use-models.js";
import { BusyStatus } from "../ui/busy-status.js";
import { IconButton } from "../ui/icon-button.js";
import { CloseIcon, NewChatIcon } from "../ui/icons.js";
import { PageHeader } from "../ui/page-header.js";
import { Composer, type ComposerHandle, type ImageWarning } from "./composer.js";
import { EmptyState } from "./empty-state.js";
import { MessageList } from "./message-list.js";
import { useChatSession } from "./use-chat-session.js";
import { useFileDrop } from "./use-file-drop.js";

const CitationPanel = lazy(() => import("../citations/citation-panel.js"));

type OpenCitation = { citation: Citation; number: number; mark: HTMLElement };

type ChatViewProps = {
  conversationId: string | null;
  /** A new chat with this bot (id or slug); a conversation's own bot comes with it. */
  botId: string | null;
  models: ModelsState;
  modelChoice: string;
  onModelChoice: (choice: string) => void;
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  onNewChat: () => void;
  onConversationCreated: (conversationId: string) => void;
  onConversationsChanged: () => void;
  /** Shown inside another page (the bot editor's preview): a section rather than the page's main, no autofocus. */
  preview?: boolean;
};

export function ChatView(props: ChatViewProps) {
  const { models, modelChoice, onModelChoice } = props;
  const { t, locale } = useTranslation();
  const composer = useRef<ComposerHandle>(null);
  const [followSignal, setFollowSignal] = useState(0);

  const session = useChatSession({
    conversationId: props.conversationId,
    botId: props.botId,
    model: requestedModel(modelChoice, models.models),
    onConversationCreated: props.onConversationCreated,
    onConversationsChanged: props.onConversationsChanged,
    onRunEnded: models.reload,
  });
  const { state, thread, streaming, controller } = session;
  const { bot, error: botError } = useBot(state.botId);
  const [openCitation, setOpenCitation] = useState<OpenCitation | null>(null);
  // Images dropped anywhere on the chat go to the composer.
  const drop = useFileDrop((files) => composer.current?.addFiles(files));

  // Esc stops a streaming reply, unless something open (a menu, an edit) used the key first.
  useEffect(() => {
    if (!streaming) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) controller.stop();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [streaming, controller]);

  const preview = props.preview === true;
  useEffect(() => {
    if (!preview && window.matchMedia("(hover: hover)").matches) composer.current?.focus();
  }, [preview]);

  const send = useCallback(
    async (content: string, attachments: readonly Attachment[] = []) => {
      setFollowSignal((value) => value + 1);
      return controller.send(content, attachments);
    },
    [controller],
  );
  const edit = useCallback(
    (messageId: string, content: string, attachments: readonly Attachment[]) => {
      setFollowSignal((value) => value + 1);
      controller.edit(messageId, content, attachments);
    },
    [controller],
  );
  const regenerate = useCallback((messageId: string) => controller.regenerate(messageId), [controller]);
  const showCitation = useCallback(
    (citation: Citation, number: number, mark: HTMLElement) => setOpenCitation({ citation, number, mark }),
    [],
  );
  const closeCitation = () => {
    // Back to the mark that opened it, for keyboard users (if the reply is still on screen).
    if (openCitation?.mark.isConnected) openCitation.mark.focus();
    setOpenCitation(null);
  };
  const askFollowUp = useCallback((question: string) => void send(question), [send]);

  const answering = answeringModel(modelChoice, models.models);
  const anyReady = models.models.some((model) => model.ready);
  const unavailableReason = models.loaded && !anyReady ? t("composer.noModel") : null;
  const botModel = bot?.model
    ? (models.models.find((model) => model.id === bot.model)?.label ?? bot.model)
    : null;
  const imageWarning = imageWarningFor(
    imageSight(
      state.botId ? (bot?.model ?? AUTO_MODEL) : requestedModel(modelChoice, models.models),
      models.models,
    ),
    state.botId ? (bot?.name ?? null) : null,
    t,
    () => onModelChoice(AUTO_MODEL),
  );
  const modelLine = state.botId
    ? bot && t("bots.line", { name: bot.name, model: botModel ?? t("models.auto") })
    : answering
      ? `${answering.label} · ${t(`models.tier.${answering.tier}`)} · ${modelPrice(answering, t, locale)}`
      : null;

  let body: ReactNode;
  if (state.load === "missing") {
    body = (
      <div className="chat-message-center">
        <p>{t("message.notFound")}</p>
        <button type="button" className="button primary" onClick={props.onNewChat}>
          {t("sidebar.newChat")}
        </button>
      </div>
    );
  } else if (thread.length === 0 && state.load === "loading") {
    body = <BusyStatus className="chat-message-center">{t("message.loading")}</BusyStatus>;
  } else if (thread.length === 0 && state.load === "failed") {
    body = (
      <div className="chat-message-center" role="alert">
        <p>{t("message.loadFailed", { message: state.loadError ?? "" })}</p>
        <button type="button" className="button secondary" onClick={() => void controller.refresh()}>
          {t("message.retry")}
        </button>
      </div>
    );
  } else if (thread.length === 0) {
    body = (
      <EmptyState
        models={models.models}
        modelsLoaded={models.loaded}
        bot={bot}
        onStarter={(prompt) => void send(prompt)}
      />
    );
  } else {
    body = (
      <MessageList
        thread={thread}
        tree={state.tree}
        models={models.models}
        reconnecting={state.reconnecting}
        routing={state.routing}
        citations={state.citations}
        citable={state.botId !== null}
        busy={streaming}
        followSignal={followSignal}
        onSelect={session.select}
        onEdit={edit}
        onRegenerate={regenerate}
        onCitation={showCitation}
        onFollowUp={askFollowUp}
      />
    );
  }

  const Column = preview ? "section" : "main";
  return (
    <>
      <Column
        className={`chat-view${preview ? " is-preview" : ""}`}
        aria-label={state.title || bot?.name || t("sidebar.newChat")}
        {...drop.handlers}
      >
        {drop.dragging && (
          <div className="drop-overlay" aria-hidden="true">
            <span>{t("attachments.drop")}</span>
          </div>
        )}
        <PageHeader sidebarOpen={props.sidebarOpen} onOpenSidebar={props.onOpenSidebar}>
          {state.botId ? (
            <BotBadge bot={bot} error={botError} />
          ) : (
            <ModelPicker models={models.models} choice={modelChoice} onChoose={onModelChoice} />
          )}
          <div className="chat-header-end">
            {!props.sidebarOpen && (
              <IconButton label={t("sidebar.newChat")} onClick={props.onNewChat}>
                <NewChatIcon />
              </IconButton>
            )}
          </div>
        </PageHeader>
        {body}
        {state.notice && (
          <div className="notice" role="alert">
            <span>{state.notice}</span>
            <button
              type="button"
              className="icon-button"
              aria-label={t("message.dismiss")}
              onClick={session.dismissNotice}
            >
              <CloseIcon />
            </button>
          </div>
        )}
        {models.error && models.models.length === 0 && (
          <div className="notice" role="alert">
            {t("models.loadFailed", { message: models.error })}
          </div>
        )}
        <Composer
          ref={composer}
          streaming={streaming}
          unavailableReason={unavailableReason}
          modelsPending={!models.loaded}
          modelLine={modelLine}
          {...(bot && { placeholder: t("bots.placeholder", { name: bot.name }) })}
          imageWarning={imageWarning}
          unsent={state.unsent}
          onUnsentTaken={session.unsentTaken}
          onSend={send}
          onStop={() => controller.stop()}
        />
      </Column>
      {openCitation && state.botId && (
        <Suspense fallback={null}>
          <CitationPanel
            botId={state.botId}
            citation={openCitation.citation}
            number={openCitation.number}
            onClose={closeCitation}
          />
        </Suspense>
      )}
    </>
  );
}

/** What to say when the message's images go to a model that cannot see them; null when they can be seen. */
function imageWarningFor(
  sight: ImageSight,
  botName: string | null,
  t: Translate,
  useAuto: () => void,
): ImageWarning | null {
  switch (sight.kind) {
    case "sees":
      return null;
    case "none":
      return { text: t("attachments.noModelSees") };
    case "blind":
      // A bot answers with its own model: the user cannot switch it from the chat.
      if (botName) return { text: t("attachments.botBlind", { name: botName, model: sight.model.label }) };
      return {
        text: t("attachments.modelBlind", {
          model: sight.model.label,
          models: sight.seeing.map((model) => model.label).join(", "),
        }),
        onUseAuto: useAuto,
      };
  }
}
