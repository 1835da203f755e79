/** The tables of Parley's database as Kysely sees them, typed so that SQLite and PostgreSQL both fit. */
import type { ColumnType } from "kysely";

/**
 * Epoch milliseconds in a `bigint` column. SQLite hands back a number and pg a string (bigint can exceed
 * 2^53), so rows are read through `Number()` and the select type admits every form.
 */
export type EpochMillisecondsColumn = ColumnType<number | string | bigint, number, number>;
export type NullableEpochMillisecondsColumn = ColumnType<
  number | string | bigint | null,
  number | null,
  number | null
>;

/** JSON is kept as text: portable, and nothing queries inside it. */
export type JsonTextColumn = string | null;

export type ConversationTable = {
  id: string;
  user_id: string;
  title: string;
  bot_id: string | null;
  bot_version: number | null;
  created_at: EpochMillisecondsColumn;
  updated_at: EpochMillisecondsColumn;
};

export type MessageTable = {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  model: string | null;
  run_id: string | null;
  finish_reason: string | null;
  usage_json: JsonTextColumn;
  timings_json: JsonTextColumn;
  error_json: JsonTextColumn;
  citations_json: JsonTextColumn;
  tool_calls_json: JsonTextColumn;
  tool_call_id: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_nano_usd: ColumnType<number | string | bigint | null, number | null, number | null>;
  created_at: EpochMillisecondsColumn;
  updated_at: EpochMillisecondsColumn;
};

export type RunTable = {
  id: string;
  user_id: string;
  conversation_id: string;
  user_message_id: string;
  assistant_message_id: string;
  model: string;
  status: string;
  created_at: EpochMillisecondsColumn;
  ended_at: NullableEpochMillisecondsColumn;
  /** The instance writing the run (a row of `instances` while it lives); null for runs from before 0008. */
  instance_id: string | null;
};

/** A server process sharing the database; `last_seen_at` is its heartbeat, by the database's clock. */
export type InstanceTable = {
  id: string;
  pid_namespace: string | null;
  pid: number;
  started_at: EpochMillisecondsColumn;
  last_seen_at: EpochMillisecondsColumn;
};

/** The usage ledger: what a user's replies used on one UTC day (day_number = epoch ms / 86,400,000) with one model. */
export type UsageDailyTable = {
  user_id: string;
  day_number: number;
  model: string;
  replies: ColumnType<number | string | bigint, number, number>;
  /** Requests to POST /v1/embeddings (0016): no replies, though their tokens are in the columns below. */
  embedding_requests: ColumnType<number | string | bigint, number, number>;
  input_tokens: ColumnType<number | string | bigint, number, number>;
  output_tokens: ColumnType<number | string | bigint, number, number>;
  /** Of the input tokens, those read from the prompt cache and those written to it (0018). */
  cache_read_tokens: ColumnType<number | string | bigint, number, number>;
  cache_write_tokens: ColumnType<number | string | bigint, number, number>;
  cost_nano_usd: ColumnType<number | string | bigint, number, number>;
};

/** What the replies asked for with one API key used, by UTC day: read by the key's daily quota. */
export type KeyUsageDailyTable = {
  api_key_id: string;
  day_number: number;
  tokens: ColumnType<number | string | bigint, number, number>;
};

export type RunEventTable = {
  run_id: string;
  /** 1, 2, 3 ... within the run; an `integer` in both dialects, so it comes back as a number. */
  id: number;
  event: string;
  data_json: string;
};

export type UserTable = {
  id: string;
  email: string;
  role: string;
  password_hash: string;
  requests_per_minute: number | null;
  tokens_per_day: ColumnType<number | string | bigint | null, number | null, number | null>;
  created_at: EpochMillisecondsColumn;
  disabled_at: NullableEpochMillisecondsColumn;
};

export type SessionTable = {
  token_hash: string;
  user_id: string;
  created_at: EpochMillisecondsColumn;
  expires_at: EpochMillisecondsColumn;
  user_agent: string | null;
  address: string | null;
  last_used_at: EpochMillisecondsColumn | null;
};

export type ApiKeyTable = {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: EpochMillisecondsColumn;
  last_used_at: NullableEpochMillisecondsColumn;
  revoked_at: NullableEpochMillisecondsColumn;
  expires_at: NullableEpochMillisecondsColumn;
  requests_per_minute: number | null;
  tokens_per_day: ColumnType<number | string | bigint | null, number | null, number | null>;
  /** JSON array of model ids (0017); null: every model. */
  models_json: string | null;
};

/** A bot as it is now: its identity, and a copy of its current version's slug and visibility for lookups. */
export type BotTable = {
  id: string;
  owner_id: string;
  slug: string;
  visibility: string;
  built_in: string | null;
  /** The current version, a row of bot_versions. */
  version: number;
  created_at: EpochMillisecondsColumn;
  updated_at: EpochMillisecondsColumn;
};

export type BotVersionTable = {
  bot_id: string;
  version: number;
  slug: string;
  visibility: string;
  name: string;
  description: string;
  avatar: string;
  instructions: string;
  /** Conversation starters, model, tier, temperature and tools: read whole, never queried. */
  settings_json: string;
  saved_by: string;
  created_at: EpochMillisecondsColumn;
};

export type KnowledgeDocumentTable = {
  id: string;
  bot_id: string;
  title: string;
  media_type: string;
  content: string;
  sentence_count: number;
  created_at: EpochMillisecondsColumn;
};

/** Sentence offsets; their text is searched through the full-text index `knowledge_sentences_fts`. */
export type KnowledgeSentenceTable = {
  document_id: string;
  position: number;
  start_offset: number;
  end_offset: number;
};

/** A sentence's vector from one embedding model: `vector` holds float32 values (4 bytes each, little-endian). */
export type KnowledgeEmbeddingTable = {
  document_id: string;
  position: number;
  model: string;
  vector: Uint8Array;
};

/** An uploaded file with its bytes; `data` is last so reading the record alone leaves the bytes on disk. */
export type FileTable = {
  id: string;
  user_id: string;
  name: string;
  media_type: string;
  byte_count: number;
  width: number | null;
  height: number | null;
  created_at: EpochMillisecondsColumn;
  data: Uint8Array;
};

/** Which files a message carries, in order. */
export type MessageAttachmentTable = {
  message_id: string;
  position: number;
  file_id: string;
};

export type ParleyDatabase = {
  conversations: ConversationTable;
  messages: MessageTable;
  runs: RunTable;
  run_events: RunEventTable;
  instances: InstanceTable;
  usage_daily: UsageDailyTable;
  key_usage_daily: KeyUsageDailyTable;
  users: UserTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  bots: BotTable;
  bot_versions: BotVersionTable;
  knowledge_documents: KnowledgeDocumentTable;
  knowledge_sentences: KnowledgeSentenceTable;
  knowledge_embeddings: KnowledgeEmbeddingTable;
  files: FileTable;
  message_attachments: MessageAttachmentTable;
};
