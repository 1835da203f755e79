/** The function components and controllers get their strings from; a .ts file so modules without JSX can name it. */
import type { MessageKey } from "./en.js";

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;
