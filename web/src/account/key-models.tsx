/** The models an API key may use, as its row in a list of keys shows them: their ids, or "All models". */
import { useTranslation } from "../i18n/translation.js";

export function KeyModels({ models }: { models: readonly string[] | null }) {
  const { t } = useTranslation();
  if (models === null) return <>{t("keys.allModels")}</>;
  return (
    <span className="key-models">
      {models.map((model, index) => (
        <span key={model}>
          {index > 0 && ", "}
          <code>{model}</code>
        </span>
      ))}
    </span>
  );
}
