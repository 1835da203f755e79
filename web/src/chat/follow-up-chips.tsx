/** The follow-up questions under a reply, as chips: a click sends the question as the next message. */
import { useTranslation } from "../i18n/translation.js";

type FollowUpChipsProps = {
  questions: readonly string[];
  /** A reply is being written: nothing can be sent yet. */
  disabled: boolean;
  onAsk: (question: string) => void;
};

export function FollowUpChips({ questions, disabled, onAsk }: FollowUpChipsProps) {
  const { t } = useTranslation();
  if (questions.length === 0) return null;
  return (
    <ul className="follow-ups" aria-label={t("message.followUps")}>
      {questions.map((question) => (
        <li key={question}>
          <button
            type="button"
            className="follow-up-chip"
            disabled={disabled}
            onClick={() => onAsk(question)}
          >
            {question}
          </button>
        </li>
      ))}
    </ul>
  );
}
