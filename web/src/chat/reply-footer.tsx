/** The small print under a reply: which model wrote it, its tier, tokens, cost, time to first token, speed. */
import type { Message } from "../../../src/core/message.js";
import type { ModelListing } from "../api/model-listing.js";
import { useTranslation } from "../i18n/translation.js";
import type { RunRouting } from "./chat-session-state.js";
import { formatCost, formatCount, formatDuration, formatSpeed, replyCost } from "./format-metrics.js";

type ReplyFooterProps = {
  message: Message;
  model: ModelListing | undefined;
  /** How "auto" chose the model, when this page asked for the reply. */
  routing: RunRouting | undefined;
};

export function ReplyFooter({ message, model, routing }: ReplyFooterProps) {
  const { t, locale } = useTranslation();
  const { usage, timings } = message;
  const parts: { key: string; text: string; title?: string }[] = [];
  if (usage) {
    parts.push({
      key: "tokens",
      text: t("footer.tokens", { count: formatCount(usage.outputTokens, locale) }),
      // Of the input, what the provider's prompt cache served (at a lower price), when the provider said.
      title: usage.cachedInputTokens
        ? t("footer.tokensDetailCached", {
            input: formatCount(usage.inputTokens, locale),
            cached: formatCount(usage.cachedInputTokens, locale),
            output: formatCount(usage.outputTokens, locale),
          })
        : t("footer.tokensDetail", {
            input: formatCount(usage.inputTokens, locale),
            output: formatCount(usage.outputTokens, locale),
          }),
    });
    const cost = replyCost(usage, model?.pricing);
    if (cost !== null)
      parts.push({ key: "cost", text: cost === 0 ? t("footer.free") : formatCost(cost, locale) });
  }
  if (timings?.ttftMs != null) {
    parts.push({ key: "ttft", text: t("footer.ttft", { ms: formatDuration(timings.ttftMs, locale) }) });
  }
  if (timings?.tokensPerSecond != null) {
    parts.push({
      key: "speed",
      text: t("footer.speed", { value: formatSpeed(timings.tokensPerSecond, locale) }),
    });
  }
  if (!message.model && parts.length === 0) return null;
  return (
    <footer className="reply-footer">
      {routing && (
        <span className="reply-routing" title={routing.reason}>
          {t("footer.routing", { reason: routing.reason })}
        </span>
      )}
      {message.model && <span className="reply-model">{model?.label ?? message.model}</span>}
      {model && <span className={`tier-badge tier-${model.tier}`}>{t(`models.tier.${model.tier}`)}</span>}
      {parts.map((part) => (
        <span key={part.key} className="reply-metric" title={part.title}>
          {part.text}
        </span>
      ))}
    </footer>
  );
}
