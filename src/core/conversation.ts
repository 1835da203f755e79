/** A conversation: a titled tree of messages. */
export type Conversation = {
  id: string;
  /** The owner; every route checks it. */
  userId: string;
  title: string;
  botId: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
};
