/**
 * The model picker in the chat header: "Auto", then the models grouped by tier, each with its price, context
 * window and measured speed. Models that cannot answer now are listed, disabled, with the reason; a degraded
 * model (some of its servers failing) stays choosable, with a muted warning mark that says why.
 */
import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { MODEL_TIERS, type ModelListing } from "../api/model-listing.js";
import { formatContextWindow, formatPrice, formatSpeed } from "../chat/format-metrics.js";
import { type Translate, useTranslation } from "../i18n/translation.js";
import { CheckIcon, ChevronDownIcon } from "../ui/icons.js";
import { AUTO_MODEL, requestedModel } from "./use-model-choice.js";

type ModelPickerProps = {
  models: readonly ModelListing[];
  choice: string;
  onChoose: (choice: string) => void;
};

export function ModelPicker({ models, choice, onChoose }: ModelPickerProps) {
  const { t, locale } = useTranslation();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const listId = useId();
  const effective = requestedModel(choice, models);
  const current = models.find((model) => model.id === effective);
  const currentLabel = current?.label ?? t("models.auto");

  useEffect(() => {
    if (!open) return;
    list.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!list.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const choose = (id: string) => {
    onChoose(id);
    close();
  };

  const onListKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const options = [
      ...(list.current?.querySelectorAll<HTMLElement>('[role="option"]:not([aria-disabled="true"])') ?? []),
    ];
    const index = options.indexOf(document.activeElement as HTMLElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      options[(index + step + options.length) % options.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      (event.key === "Home" ? options[0] : options.at(-1))?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Tab") {
      setOpen(false);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      const id = (document.activeElement as HTMLElement | null)?.dataset.modelId;
      if (id) choose(id);
    }
  };

  return (
    <div className="model-picker">
      <button
        ref={button}
        type="button"
        className="model-picker-button"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-label={t("models.picker", { model: currentLabel })}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="model-picker-label">{currentLabel}</span>
        {current && current.availability !== "available" && (
          <AvailabilityMark label={availabilityNote(current, t)} />
        )}
        {current && (
          <span className={`tier-badge tier-${current.tier}`}>{t(`models.tier.${current.tier}`)}</span>
        )}
        <ChevronDownIcon />
      </button>
      {open && (
        <div
          ref={list}
          id={listId}
          className="model-picker-list"
          role="listbox"
          aria-label={t("models.picker", { model: currentLabel })}
          tabIndex={-1}
          onKeyDown={onListKeyDown}
        >
          <ModelOption
            id={AUTO_MODEL}
            selected={effective === AUTO_MODEL}
            onChoose={choose}
            title={t("models.auto")}
            details={t("models.autoDescription")}
          />
          {MODEL_TIERS.map((tier) => {
            const inTier = models.filter((model) => model.tier === tier);
            if (inTier.length === 0) return null;
            const headingId = `${listId}-${tier}`;
            return (
              // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role="group"; a fieldset is for form controls.
              <div key={tier} role="group" aria-labelledby={headingId} className="model-picker-group">
                <div id={headingId} className="model-picker-group-title">
                  {t(`models.tier.${tier}`)}
                </div>
                {inTier.map((model) => (
                  <ModelOption
                    key={model.id}
                    id={model.id}
                    selected={effective === model.id}
                    onChoose={choose}
                    title={model.label}
                    badge={model.provider === "local" ? t("models.local") : t("models.remote")}
                    details={modelDetails(model, t, locale)}
                    {...(model.availability === "degraded" && { warning: availabilityNote(model, t) })}
                    disabledReason={
                      model.availability === "unavailable" ? availabilityNote(model, t) : undefined
                    }
                  />
                ))}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

function ModelOption(props: {
  id: string;
  selected: boolean;
  onChoose: (id: string) => void;
  title: string;
  badge?: string;
  details: string;
  /** Why the model may answer worse than usual: shown as a muted mark, with this as its label and tooltip. */
  warning?: string;
  disabledReason?: string | undefined;
}) {
  const disabled = props.disabledReason !== undefined;
  return (
    <div
      role="option"
      tabIndex={-1}
      aria-selected={props.selected}
      aria-disabled={disabled || undefined}
      title={props.disabledReason ?? props.warning}
      data-model-id={props.id}
      className="model-option"
      onClick={() => !disabled && props.onChoose(props.id)}
      onKeyDown={() => {
        // Keys are handled by the list, which moves between options.
      }}
    >
      <div className="model-option-main">
        <span className="model-option-title">{props.title}</span>
        {props.badge && <span className="model-option-badge">{props.badge}</span>}
        {props.warning && <AvailabilityMark label={props.warning} />}
        {props.selected && (
          <span className="model-option-check">
            <CheckIcon />
          </span>
        )}
      </div>
      <div className="model-option-details">{props.details}</div>
      {disabled && <div className="model-option-reason">{props.disabledReason}</div>}
    </div>
  );
}

/** The price line of a model: "Free" for a local model that costs nothing per token. */
export function modelPrice(model: ModelListing, t: Translate, locale: string): string {
  const { inputPerMillion, outputPerMillion } = model.pricing;
  if (inputPerMillion === 0 && outputPerMillion === 0) return t("models.free");
  return t("models.pricePerMillion", {
    input: formatPrice(inputPerMillion, locale),
    output: formatPrice(outputPerMillion, locale),
  });
}

function modelDetails(model: ModelListing, t: Translate, locale: string): string {
  const speed =
    model.speed.tokensPerSecondP50 === null
      ? t("models.speedUnknown")
      : t("models.speed", { tokensPerSecond: formatSpeed(model.speed.tokensPerSecondP50, locale) });
  return [
    modelPrice(model, t, locale),
    t("models.contextWindow", { tokens: formatContextWindow(model.contextWindow, locale) }),
    speed,
  ].join(" · ");
}

/**
 * Why a model is not fully available: its engine's state when it is not ready, otherwise what its servers'
 * circuit breakers say (all shut out: unavailable; some: degraded; cooled down after failing: awaiting its trial).
 */
function availabilityNote(model: ModelListing, t: Translate): string {
  if (!model.ready) {
    const state = model.status.state === "ready" ? "starting" : model.status.state;
    const reason = t(`models.state.${state}`);
    return model.status.message ? `${reason}: ${model.status.message}` : reason;
  }
  if (model.availability === "unavailable") return t("models.unavailable");
  return t(model.awaitingTrial ? "models.awaitingTrial" : "models.degraded");
}

/** A small warning triangle, muted: the model still answers, but may be slower or answered by a fallback. */
function AvailabilityMark({ label }: { label: string }) {
  return (
    <span className="model-availability-mark" role="img" aria-label={label} title={label}>
      <svg
        width="14"
        height="14"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        aria-hidden="true"
      >
        <path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" />
        <path d="M12 9v4" />
        <path d="M12 17h.01" />
      </svg>
    </span>
  );
}
