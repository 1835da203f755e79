/** The bots every Parley server starts with, seeded on first start and editable by admins afterwards. */
import type { BuiltInBot } from "./built-in-bot.js";
import { CODE_TUTOR } from "./code-tutor.js";
import { TECH_ARTICLE_TRANSLATOR } from "./tech-article-translator.js";
import { TOPIC_EXPLORER } from "./topic-explorer.js";

export const BUILT_IN_BOTS: readonly BuiltInBot[] = [TECH_ARTICLE_TRANSLATOR, CODE_TUTOR, TOPIC_EXPLORER];
