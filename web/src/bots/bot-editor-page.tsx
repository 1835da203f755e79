/**
 * The bot editor (/bots/new, /bots/:id/edit): the bot's fields and knowledge files beside a preview chat with it.
 * Creating saves a private bot; every later save is the bot's next version, and the preview restarts with it.
 * Loaded on demand, with its styles.
 */
import { useEffect, useState } from "react";
import { ApiError } from "../api/api-error.js";
import { createBot, deleteBot, updateBot } from "../api/bot-api.js";
import { errorMessage } from "../api/error-message.js";
import { type BotListing, getBot } from "../api/parley-api.js";
import { useTranslation } from "../i18n/translation.js";
import type { ModelsState } from "../model-catalog/use-models.js";
import { AppLink } from "../ui/app-link.js";
import { BusyStatus } from "../ui/busy-status.js";
import { ConfirmDialog } from "../ui/confirm-dialog.js";
import { PageHeader } from "../ui/page-header.js";
import { type BotDraft, draftOf, fieldsOf, isChanged, NEW_BOT_DRAFT } from "./bot-draft.js";
import { BotEditorForm } from "./bot-editor-form.js";
import type { BotPage } from "./bot-page-route.js";
import { BotPreview } from "./bot-preview.js";
import { KnowledgeFiles } from "./knowledge-files.js";
import "./bot-pages.css";

type BotEditorPageProps = {
  /** The bot to edit (id or slug); null for a new one. */
  botId: string | null;
  models: ModelsState;
  sidebarOpen: boolean;
  onOpenSidebar: () => void;
  onOpenBotPage: (page: BotPage) => void;
  /** A new bot was created: the page's address names it from now on. */
  onCreated: (botId: string) => void;
  /** A bot was created, saved or deleted: lists of bots are out of date. */
  onBotsChanged: () => void;
};

type Load = { kind: "loading" } | { kind: "ready" } | { kind: "failed"; message: string };

export default function BotEditorPage(props: BotEditorPageProps) {
  const { t } = useTranslation();
  const [load, setLoad] = useState<Load>(props.botId === null ? { kind: "ready" } : { kind: "loading" });
  const [saved, setSaved] = useState<BotListing | null>(null);
  const [draft, setDraft] = useState<BotDraft>(NEW_BOT_DRAFT);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  // Only the bot the page opened with is loaded: a bot created here is already known.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once; navigation remounts the page.
  useEffect(() => {
    if (props.botId === null) return;
    const controller = new AbortController();
    getBot(props.botId, controller.signal).then(
      (bot) => {
        if (!bot.editable) {
          setLoad({ kind: "failed", message: t("botEditor.notEditable") });
          return;
        }
        setSaved(bot);
        setDraft(draftOf(bot));
        setLoad({ kind: "ready" });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setLoad({ kind: "failed", message: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, []);

  const unsaved = isChanged(draft, saved);
  const save = async () => {
    setSaving(true);
    setProblem(null);
    try {
      const fields = fieldsOf(draft);
      const bot = saved === null ? await createBot(fields) : await updateBot(saved.id, fields, saved.version);
      setSaved(bot);
      setDraft(draftOf(bot));
      if (saved === null) props.onCreated(bot.id);
      props.onBotsChanged();
    } catch (error) {
      const conflict = error instanceof ApiError && error.status === 409 && saved !== null;
      setProblem(
        conflict ? t("botEditor.conflict") : t("botEditor.saveFailed", { message: errorMessage(error) }),
      );
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    setConfirmingDelete(false);
    if (saved === null) return;
    try {
      await deleteBot(saved.id);
      props.onBotsChanged();
      props.onOpenBotPage({ kind: "gallery" });
    } catch (error) {
      setProblem(t("botEditor.deleteFailed", { message: errorMessage(error) }));
    }
  };

  const title = saved === null ? t("botEditor.newTitle") : t("botEditor.editTitle", { name: saved.name });
  return (
    <main className="bot-page bot-editor-page" aria-labelledby="bot-editor-title">
      <PageHeader sidebarOpen={props.sidebarOpen} onOpenSidebar={props.onOpenSidebar}>
        <AppLink
          className="bot-page-back"
          href="/bots"
          onOpen={() => props.onOpenBotPage({ kind: "gallery" })}
        >
          {t("botEditor.backToGallery")}
        </AppLink>
      </PageHeader>
      {load.kind === "loading" && (
        <BusyStatus className="bot-page-status">{t("botEditor.loading")}</BusyStatus>
      )}
      {load.kind === "failed" && (
        <div className="bot-page-status" role="alert">
          {t("botEditor.loadFailed", { message: load.message })}
        </div>
      )}
      {load.kind === "ready" && (
        <div className="bot-editor-layout">
          <form
            className="bot-editor-form"
            aria-labelledby="bot-editor-title"
            onSubmit={(event) => {
              event.preventDefault();
              if (!saving) void save();
            }}
          >
            <h1 id="bot-editor-title">{title}</h1>
            <BotEditorForm
              draft={draft}
              models={props.models.models}
              saved={saved}
              onChange={(patch) => setDraft((current) => ({ ...current, ...patch }))}
            />
            <section className="bot-editor-field" aria-labelledby="knowledge-title">
              <h2 id="knowledge-title" className="bot-editor-legend">
                {t("knowledge.title")}
              </h2>
              {saved === null ? (
                <p className="bot-editor-hint">{t("knowledge.createFirst")}</p>
              ) : (
                <KnowledgeFiles botId={saved.id} />
              )}
            </section>
            <div className="bot-editor-actions">
              {problem && (
                <p className="bot-editor-problem" role="alert">
                  {problem}
                </p>
              )}
              <span className="bot-editor-state" role="status">
                {saved !== null &&
                  (unsaved ? t("botEditor.unsaved") : t("botEditor.saved", { version: saved.version }))}
              </span>
              {saved !== null && saved.builtIn === null && (
                <button type="button" className="button danger" onClick={() => setConfirmingDelete(true)}>
                  {t("botEditor.delete")}
                </button>
              )}
              <button
                type="submit"
                className="button primary"
                disabled={saving || !unsaved || draft.name.trim() === ""}
              >
                {saved === null ? t("botEditor.create") : t("botEditor.save")}
              </button>
            </div>
          </form>
          <BotPreview
            botId={saved?.id ?? null}
            version={saved?.version ?? null}
            unsaved={unsaved}
            models={props.models}
          />
        </div>
      )}
      {confirmingDelete && saved && (
        <ConfirmDialog
          title={t("botEditor.deleteConfirmTitle")}
          body={t("botEditor.deleteConfirmBody", { name: saved.name })}
          confirmLabel={t("botEditor.delete")}
          cancelLabel={t("sidebar.cancel")}
          onConfirm={() => void remove()}
          onCancel={() => setConfirmingDelete(false)}
        />
      )}
    </main>
  );
}
