/**
 * A bot's knowledge files in the editor: the list, an upload button and delete. Files go up as they are
 * (multipart/form-data): the server tells text, Markdown, HTML and PDF apart by their bytes and reads them.
 */
import { useCallback, useEffect, useState } from "react";
import {
  deleteKnowledgeDocument,
  type KnowledgeSummary,
  listKnowledge,
  uploadKnowledgeFile,
} from "../api/bot-api.js";
import { errorMessage } from "../api/error-message.js";
import { useTranslation } from "../i18n/translation.js";
import { IconButton } from "../ui/icon-button.js";
import { TrashIcon } from "../ui/icons.js";

/** The files the input offers; the server decides what it can read, and says why when it cannot. */
const ACCEPTED =
  ".txt,.text,.md,.markdown,.html,.htm,.pdf,text/plain,text/markdown,text/html,application/pdf";

type Upload = { name: string; error: string | null };

export function KnowledgeFiles({ botId }: { botId: string }) {
  const { t, locale } = useTranslation();
  const [documents, setDocuments] = useState<KnowledgeSummary[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);

  const reload = useCallback(async () => {
    try {
      setDocuments(await listKnowledge(botId));
    } catch (error) {
      setProblem(t("knowledge.loadFailed", { message: errorMessage(error) }));
    }
  }, [botId, t]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const upload = async (files: readonly File[]) => {
    setProblem(null);
    setUploads(files.map((file) => ({ name: file.name, error: null })));
    const failed: Upload[] = [];
    // One at a time: the server splits and indexes each file as it arrives.
    for (const file of files) {
      try {
        // Named like the file, without its extension: "Event loop guide", not "Event loop guide.pdf".
        await uploadKnowledgeFile(botId, file, file.name.replace(/\.[^.]+$/, "") || undefined);
      } catch (error) {
        failed.push({ name: file.name, error: errorMessage(error) });
      }
      setUploads((current) => current.filter((upload) => upload.name !== file.name));
    }
    setUploads(failed);
    await reload();
  };

  const remove = async (document: KnowledgeSummary) => {
    setProblem(null);
    try {
      await deleteKnowledgeDocument(botId, document.id);
    } catch (error) {
      setProblem(t("knowledge.deleteFailed", { message: errorMessage(error) }));
    }
    await reload();
  };

  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  return (
    <div className="knowledge-files">
      {problem && (
        <p className="bot-editor-problem" role="alert">
          {problem}
        </p>
      )}
      {documents?.length === 0 && uploads.length === 0 && (
        <p className="bot-editor-hint">{t("knowledge.empty")}</p>
      )}
      {((documents?.length ?? 0) > 0 || uploads.length > 0) && (
        <ul className="knowledge-list" aria-label={t("knowledge.title")}>
          {documents?.map((document) => (
            <li key={document.id} className="knowledge-item">
              <span className="knowledge-title">{document.title}</span>
              <span className="knowledge-meta">
                {t("knowledge.meta", {
                  sentences: document.sentenceCount,
                  date: dateFormat.format(document.createdAt),
                })}
              </span>
              <IconButton
                label={t("knowledge.delete", { title: document.title })}
                onClick={() => void remove(document)}
              >
                <TrashIcon />
              </IconButton>
            </li>
          ))}
          {uploads.map((upload) => (
            <li key={upload.name} className={`knowledge-item${upload.error ? " is-failed" : ""}`}>
              <span className="knowledge-title">{upload.name}</span>
              <span className="knowledge-meta" role={upload.error ? "alert" : "status"}>
                {upload.error
                  ? t("knowledge.uploadFailed", { message: upload.error })
                  : t("knowledge.uploading")}
              </span>
            </li>
          ))}
        </ul>
      )}
      <label className="button secondary knowledge-add">
        {t("knowledge.add")}
        <input
          type="file"
          className="visually-hidden"
          multiple
          accept={ACCEPTED}
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = "";
            if (files.length > 0) void upload(files);
          }}
        />
      </label>
      <p className="bot-editor-hint">{t("knowledge.formats")}</p>
    </div>
  );
}
