/** Puts the built-in bots in a database that does not have them yet; run at every start, it adds each only once. */
import { ConflictError } from "../core/app-error.js";
import { type Bot, BUILT_IN_BOT_OWNER } from "../core/bot.js";
import { newId } from "../core/ids.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { BuiltInBot } from "./built-in/built-in-bot.js";
import { BUILT_IN_BOTS } from "./built-in/built-in-bots.js";

/** Returns the keys of the bots it added. An existing built-in bot is left as it is: an admin may have edited it. */
export async function seedBuiltInBots(
  store: ParleyStore,
  builtIns: readonly BuiltInBot[] = BUILT_IN_BOTS,
): Promise<string[]> {
  const added: string[] = [];
  for (const { key, ...definition } of builtIns) {
    if (await store.bots.getBuiltIn(key)) continue;
    const now = Date.now();
    // A user's bot may already hold the slug; the built-in one then takes a suffixed slug rather than theirs.
    for (const slug of [
      definition.slug,
      `${definition.slug}-parley`,
      `${definition.slug}-${now.toString(36)}`,
    ]) {
      const bot: Bot = {
        ...definition,
        slug,
        id: newId("bot"),
        ownerId: BUILT_IN_BOT_OWNER,
        version: 1,
        builtIn: key,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await store.bots.create(bot, BUILT_IN_BOT_OWNER);
        added.push(key);
        break;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // Another server starting on the same database may have seeded it meanwhile.
        if (await store.bots.getBuiltIn(key)) break;
      }
    }
  }
  return added;
}
