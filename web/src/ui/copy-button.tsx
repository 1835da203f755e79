/** A button that copies some text and says "Copied" for a moment. */
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "../i18n/translation.js";
import { copyText } from "./copy-text.js";
import { CheckIcon, CopyIcon } from "./icons.js";

const CONFIRMATION_MS = 1500;

export function CopyButton({ text, className = "icon-button" }: { text: () => string; className?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  return (
    <button
      type="button"
      className={className}
      aria-label={t("message.copy")}
      title={copied ? t("message.copied") : t("message.copy")}
      onClick={async () => {
        if (!(await copyText(text()))) return;
        setCopied(true);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => setCopied(false), CONFIRMATION_MS);
      }}
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
      <span className="visually-hidden" aria-live="polite">
        {copied ? t("message.copied") : ""}
      </span>
    </button>
  );
}
