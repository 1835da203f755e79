/**
 * The UI language: English or Chinese, following the browser until the user picks one. Components get their
 * strings from `useTranslation()`, never from literals.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { type Dictionary, en } from "./en.js";
import { type Translate, translatorFor } from "./translate.js";
import { zh } from "./zh.js";

export type Language = "en" | "zh";

export const LANGUAGES: readonly { id: Language; name: string }[] = [
  { id: "en", name: "English" },
  { id: "zh", name: "中文" },
];

const DICTIONARIES: Record<Language, Dictionary> = { en, zh };
const STORAGE_KEY = "parley.language";

export type { Translate } from "./translate.js";

type TranslationContextValue = {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
  /** For Intl formatters. */
  locale: string;
};

const TranslationContext = createContext<TranslationContextValue | null>(null);

function browserLanguage(): Language {
  const saved = readStoredLanguage();
  if (saved) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "zh") return "zh";
    if (base === "en") return "en";
  }
  return "en";
}

function readStoredLanguage(): Language | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "en" || value === "zh" ? value : null;
  } catch {
    return null;
  }
}

export function TranslationProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(browserLanguage);

  useEffect(() => {
    document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }, []);

  const value = useMemo<TranslationContextValue>(() => {
    const t = translatorFor(DICTIONARIES[language]);
    return { language, setLanguage, t, locale: language === "zh" ? "zh-CN" : "en-US" };
  }, [language, setLanguage]);

  return <TranslationContext.Provider value={value}>{children}</TranslationContext.Provider>;
}

export function useTranslation(): TranslationContextValue {
  const value = useContext(TranslationContext);
  if (!value) throw new Error("useTranslation needs a TranslationProvider above it.");
  return value;
}
