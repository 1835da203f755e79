/** A conversation: a titled tree of messages. */
export type Conversation = {
  id: string;
  title: string;
  botId: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
};
