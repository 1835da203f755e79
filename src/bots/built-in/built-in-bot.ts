/** The shape of a bot Parley ships: a definition and a stable key that seeding finds it by. */
import type { BotDefinition } from "../../core/bot.js";

export type BuiltInBot = BotDefinition & {
  /** Never changes, unlike the slug an admin may edit. */
  key: string;
};
