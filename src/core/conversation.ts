/** A conversation: a titled tree of messages. */
export type Conversation = {
  id: string;
  /** The owner; every route checks it. */
  userId: string;
  title: string;
  botId: string | null;
  /** The version of the bot this conversation answers with, recorded when it began; null without a bot. */
  botVersion: number | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
};
