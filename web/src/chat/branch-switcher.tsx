/** "< 2 / 3 >" under a message that has siblings: other edits of a question, or other answers to it. */
import { useTranslation } from "../i18n/translation.js";
import { ChevronLeftIcon, ChevronRightIcon } from "../ui/icons.js";

type BranchSwitcherProps = {
  siblings: readonly string[];
  currentId: string;
  onSelect: (messageId: string) => void;
  disabled?: boolean;
};

export function BranchSwitcher({ siblings, currentId, onSelect, disabled = false }: BranchSwitcherProps) {
  const { t } = useTranslation();
  const index = siblings.indexOf(currentId);
  if (siblings.length < 2 || index < 0) return null;
  const previous = siblings[index - 1];
  const next = siblings[index + 1];
  return (
    <div className="branch-switcher">
      <button
        type="button"
        className="icon-button"
        aria-label={t("message.previous")}
        disabled={disabled || previous === undefined}
        onClick={() => previous && onSelect(previous)}
      >
        <ChevronLeftIcon />
      </button>
      <span className="branch-position">
        {t("message.branch", { index: index + 1, count: siblings.length })}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label={t("message.next")}
        disabled={disabled || next === undefined}
        onClick={() => next && onSelect(next)}
      >
        <ChevronRightIcon />
      </button>
    </div>
  );
}
