/**
 * The bot editor's preview: a real chat with the bot as last saved. A conversation answers with the bot version it
 * began with, so every save starts a fresh preview chat; the preview's conversations are deleted when it restarts
 * or the editor closes, so trying a bot leaves nothing in the chat list.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { deleteConversation } from "../api/parley-api.js";
import { ChatView } from "../chat/chat-view.js";
import { useTranslation } from "../i18n/translation.js";
import type { ModelsState } from "../model-catalog/use-models.js";
import { IconButton } from "../ui/icon-button.js";
import { RegenerateIcon } from "../ui/icons.js";

type BotPreviewProps = {
  /** The saved bot; null while a new bot has not been created yet. */
  botId: string | null;
  version: number | null;
  /** The form differs from the saved version. */
  unsaved: boolean;
  models: ModelsState;
};

export function BotPreview({ botId, version, unsaved, models }: BotPreviewProps) {
  const { t } = useTranslation();
  const [restarts, setRestarts] = useState(0);
  const conversations = useRef<string[]>([]);

  const discard = useCallback(() => {
    for (const id of conversations.current.splice(0)) {
      void deleteConversation(id).catch(() => {
        // Already gone, or the server is away: a leftover preview chat is harmless.
      });
    }
  }, []);

  // A new version starts a new chat: the old one's conversation goes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reason to discard.
  useEffect(() => discard, [version, discard]);

  return (
    <section className="bot-preview" aria-labelledby="bot-preview-title">
      <div className="bot-preview-bar">
        <h2 id="bot-preview-title">{t("botEditor.preview")}</h2>
        {version !== null && (
          <span className="bot-preview-version">{t("botEditor.previewVersion", { version })}</span>
        )}
        {botId !== null && (
          <IconButton
            label={t("botEditor.restartPreview")}
            onClick={() => {
              discard();
              setRestarts((value) => value + 1);
            }}
          >
            <RegenerateIcon />
          </IconButton>
        )}
      </div>
      {unsaved && botId !== null && (
        <p className="bot-preview-notice" role="status">
          {t("botEditor.previewUnsaved")}
        </p>
      )}
      {botId === null ? (
        <p className="bot-preview-empty">{t("botEditor.previewCreateFirst")}</p>
      ) : (
        <ChatView
          key={`${version}-${restarts}`}
          preview
          conversationId={null}
          botId={botId}
          models={models}
          modelChoice="auto"
          onModelChoice={() => {}}
          sidebarOpen
          onOpenSidebar={() => {}}
          onNewChat={() => {}}
          onConversationCreated={(id) => conversations.current.push(id)}
          onConversationsChanged={() => {}}
        />
      )}
    </section>
  );
}
