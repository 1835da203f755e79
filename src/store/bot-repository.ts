/** Bots and their versions in the database, mapped to and from the core `Bot` and `BotVersion`. */
import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { Bot, BotDefinition, BotTool, BotVersion, BotVisibility } from "../core/bot.js";
import type { BotListOptions, BotRepository } from "../core/parley-store.js";
import type { Tier } from "../core/routing-policy.js";
import { constraintViolationOf } from "./constraint-violation.js";
import type { BotTable, BotVersionTable, ParleyDatabase } from "./parley-database.js";
import { withinTransaction } from "./within-transaction.js";

/** The versioned settings that nothing queries, kept together as JSON. */
type BotSettings = Pick<BotDefinition, "conversationStarters" | "model" | "tier" | "temperature" | "tools">;

type CurrentBotRow = Selectable<BotTable> &
  Omit<Selectable<BotVersionTable>, "bot_id" | "version" | "slug" | "visibility" | "created_at">;

export function createBotRepository(database: Kysely<ParleyDatabase>): BotRepository {
  /** Each bot joined with its current version; inside a transaction, read through it (SQLite has one connection). */
  const current = (reader: Kysely<ParleyDatabase> = database) =>
    reader
      .selectFrom("bots")
      .innerJoin("bot_versions", (join) =>
        join.onRef("bot_versions.bot_id", "=", "bots.id").onRef("bot_versions.version", "=", "bots.version"),
      )
      .selectAll("bots")
      .select([
        "bot_versions.name",
        "bot_versions.description",
        "bot_versions.avatar",
        "bot_versions.instructions",
        "bot_versions.settings_json",
        "bot_versions.saved_by",
      ]);

  return {
    async create(bot, savedBy) {
      await withinTransaction(database, async (transaction) => {
        try {
          await transaction
            .insertInto("bots")
            .values({
              id: bot.id,
              owner_id: bot.ownerId,
              slug: bot.slug,
              visibility: bot.visibility,
              built_in: bot.builtIn,
              version: bot.version,
              created_at: bot.createdAt,
              updated_at: bot.updatedAt,
            })
            .execute();
        } catch (error) {
          if (constraintViolationOf(error) === "unique") throw takenError(bot, error);
          throw error;
        }
        await transaction
          .insertInto("bot_versions")
          .values(versionRow(bot.id, bot.version, bot, savedBy, bot.createdAt))
          .execute();
      });
    },

    async get(id) {
      const row = await current().where("bots.id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toBot(row);
    },

    async getBySlug(slug) {
      const row = await current().where("bots.slug", "=", slug).executeTakeFirst();
      return row === undefined ? undefined : toBot(row);
    },

    async getBuiltIn(key) {
      const row = await current().where("bots.built_in", "=", key).executeTakeFirst();
      return row === undefined ? undefined : toBot(row);
    },

    async list(options: BotListOptions) {
      let query = current()
        .where(({ or, eb }) =>
          or([
            eb("bots.owner_id", "=", options.visibleTo),
            eb("bots.visibility", "=", "everyone"),
            ...(options.includeBuiltIn ? [eb("bots.built_in", "is not", null)] : []),
          ]),
        )
        .orderBy(sql`case when ${sql.ref("bots.built_in")} is null then 1 else 0 end`)
        .orderBy(sql`lower(${sql.ref("bot_versions.name")})`)
        .orderBy("bots.id");
      const text = options.query?.trim() ?? "";
      if (text !== "") {
        const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
        query = query.where(({ or }) =>
          or(
            (["bot_versions.name", "bot_versions.description", "bots.slug"] as const).map(
              (column) => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`,
            ),
          ),
        );
      }
      const rows = await query.execute();
      return rows.map(toBot);
    },

    async saveVersion(id, definition, options) {
      return withinTransaction(database, async (transaction) => {
        const row = await transaction
          .selectFrom("bots")
          .select(["version"])
          .where("id", "=", id)
          .executeTakeFirst();
        if (!row) throw new NotFoundError("Bot", id);
        if (Number(row.version) !== options.expectedVersion) {
          throw new ConflictError(
            `Bot ${id} is at version ${row.version}, not ${options.expectedVersion}: someone saved it meanwhile. Reload it and save again.`,
            { details: { version: Number(row.version) } },
          );
        }
        const version = options.expectedVersion + 1;
        try {
          await transaction
            .insertInto("bot_versions")
            .values(versionRow(id, version, definition, options.savedBy, options.at))
            .execute();
          await transaction
            .updateTable("bots")
            .set({
              slug: definition.slug,
              visibility: definition.visibility,
              version,
              updated_at: options.at,
            })
            .where("id", "=", id)
            .execute();
        } catch (error) {
          if (constraintViolationOf(error) === "unique") {
            throw new ConflictError(
              `Bot ${id} could not be saved as version ${version}: the slug ${JSON.stringify(definition.slug)} is taken, or another save got there first.`,
              { cause: error },
            );
          }
          throw error;
        }
        const saved = await current(transaction).where("bots.id", "=", id).executeTakeFirstOrThrow();
        return toBot(saved);
      });
    },

    async getVersion(id, version) {
      const row = await database
        .selectFrom("bot_versions")
        .selectAll()
        .where("bot_id", "=", id)
        .where("version", "=", version)
        .executeTakeFirst();
      return row === undefined ? undefined : toBotVersion(row);
    },

    async listVersions(id) {
      const rows = await database
        .selectFrom("bot_versions")
        .selectAll()
        .where("bot_id", "=", id)
        .orderBy("version", "desc")
        .execute();
      return rows.map(toBotVersion);
    },

    async delete(id) {
      // Its versions go with it through ON DELETE CASCADE.
      const result = await database.deleteFrom("bots").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async reassign(fromOwnerId, toOwnerId, visibilities) {
      if (visibilities.length === 0) return 0;
      const result = await database
        .updateTable("bots")
        .set({ owner_id: toOwnerId })
        .where("owner_id", "=", fromOwnerId)
        .where("visibility", "in", visibilities)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async deleteByOwner(ownerId) {
      // Versions and knowledge go with each bot through ON DELETE CASCADE (and a trigger, for SQLite's word index).
      const result = await database.deleteFrom("bots").where("owner_id", "=", ownerId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function takenError(bot: Bot, cause: unknown): ConflictError {
  const what = bot.builtIn === null ? "" : ` (or the built-in bot ${JSON.stringify(bot.builtIn)} exists)`;
  return new ConflictError(`The bot slug ${JSON.stringify(bot.slug)} is taken${what}; choose another slug.`, {
    cause,
    details: { slug: bot.slug },
  });
}

function versionRow(
  botId: string,
  version: number,
  definition: BotDefinition,
  savedBy: string,
  at: number,
): Insertable<BotVersionTable> {
  const settings: BotSettings = {
    conversationStarters: definition.conversationStarters,
    model: definition.model,
    tier: definition.tier,
    temperature: definition.temperature,
    tools: definition.tools,
  };
  return {
    bot_id: botId,
    version,
    slug: definition.slug,
    visibility: definition.visibility,
    name: definition.name,
    description: definition.description,
    avatar: definition.avatar,
    instructions: definition.instructions,
    settings_json: JSON.stringify(settings),
    saved_by: savedBy,
    created_at: at,
  };
}

function definitionOf(
  row: Pick<
    Selectable<BotVersionTable>,
    "slug" | "visibility" | "name" | "description" | "avatar" | "instructions" | "settings_json"
  >,
): BotDefinition {
  const settings = JSON.parse(row.settings_json) as Partial<BotSettings>;
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    avatar: row.avatar,
    instructions: row.instructions,
    conversationStarters: settings.conversationStarters ?? [],
    model: settings.model ?? null,
    tier: (settings.tier ?? null) as Tier | null,
    temperature: settings.temperature ?? null,
    tools: (settings.tools ?? []) as BotTool[],
    visibility: row.visibility as BotVisibility,
  };
}

function toBot(row: CurrentBotRow): Bot {
  return {
    ...definitionOf(row),
    id: row.id,
    ownerId: row.owner_id,
    version: Number(row.version),
    builtIn: row.built_in,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toBotVersion(row: Selectable<BotVersionTable>): BotVersion {
  return {
    ...definitionOf(row),
    botId: row.bot_id,
    version: Number(row.version),
    savedBy: row.saved_by,
    createdAt: Number(row.created_at),
  };
}
