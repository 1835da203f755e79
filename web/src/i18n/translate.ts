/** The function components and controllers get their strings from; a .ts file so modules without JSX can name it. */
import { type Dictionary, en, type MessageKey } from "./en.js";

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Strings from `dictionary` (English where it lacks one), with `{name}` filled in from `values`. */
export function translatorFor(dictionary: Dictionary): Translate {
  return (key, values) => {
    const template = dictionary[key] ?? en[key];
    if (!values) return template;
    return template.replace(/\{(\w+)\}/g, (match, name: string) =>
      name in values ? String(values[name]) : match,
    );
  };
}
