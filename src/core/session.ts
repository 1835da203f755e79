/** A browser session: the cookie holds a random token, the database only its hash. */
export type Session = {
  /** SHA-256 of the session token, hex. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
};
