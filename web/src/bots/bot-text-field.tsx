/** One of the bot editor's text fields: its label, a one-line input (or a textarea when given rows), and a hint. */
import type { ChangeEvent } from "react";
import { useTranslation } from "../i18n/translation.js";
import type { BotDraft } from "./bot-draft.js";

type TextField = "avatar" | "name" | "slug" | "description" | "instructions";

type BotTextFieldProps = {
  /** Names the draft's field, the label (botEditor.<field>) and the control's id (bot-<field>). */
  field: TextField;
  draft: BotDraft;
  onChange: (patch: Partial<BotDraft>) => void;
  maxLength: number;
  /** A textarea this many rows high; a one-line input without. */
  rows?: number;
  placeholder?: string;
  required?: boolean;
  pattern?: string;
  /** Said under the control, and what a screen reader reads after its name. */
  hint?: string;
  /** Added to the field's own class. */
  className?: string;
};

export function BotTextField({ field, draft, onChange, rows, hint, className, ...input }: BotTextFieldProps) {
  const { t } = useTranslation();
  const id = `bot-${field}`;
  const control = {
    id,
    value: draft[field],
    ...input,
    ...(hint !== undefined && { "aria-describedby": `${id}-hint` }),
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onChange({ [field]: event.target.value }),
  };
  return (
    <div className={className === undefined ? "bot-editor-field" : `bot-editor-field ${className}`}>
      <label htmlFor={id}>{t(`botEditor.${field}`)}</label>
      {rows === undefined ? <input {...control} /> : <textarea rows={rows} {...control} />}
      {hint !== undefined && (
        <p id={`${id}-hint`} className="bot-editor-hint">
          {hint}
        </p>
      )}
    </div>
  );
}
