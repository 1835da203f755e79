/** A button that copies some text and says "Copied" for a moment. */
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "../i18n/translation.js";
import { copyText } from "./copy-text.js";
import { CheckIcon, CopyIcon } from "./icons.js";

const CONFIRMATION_MS = 1500;

type CopyButtonProps = {
  text: () => string;
  className?: string;
  /** The accessible name; "Copy" unless told. */
  label?: string;
  /** Shows the name next to the icon (an icon alone is enough under a message). */
  showLabel?: boolean;
};

export function CopyButton({ text, className = "icon-button", label, showLabel = false }: CopyButtonProps) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const name = label ?? t("message.copy");

  return (
    <button
      type="button"
      className={className}
      aria-label={name}
      title={copied ? t("message.copied") : name}
      onClick={async () => {
        if (!(await copyText(text()))) return;
        setCopied(true);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => setCopied(false), CONFIRMATION_MS);
      }}
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
      {showLabel && <span aria-hidden="true">{copied ? t("message.copied") : name}</span>}
      <span className="visually-hidden" aria-live="polite">
        {copied ? t("message.copied") : ""}
      </span>
    </button>
  );
}
