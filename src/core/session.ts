/** A browser session: the cookie holds a random token, the database only its hash. */
export type Session = {
  /** SHA-256 of the session token, hex. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  /** The browser that signed in (its User-Agent, cut to a length), so the user can tell their sessions apart. */
  userAgent: string | null;
  /** The client's address at sign-in (through a trusted proxy, the forwarded one). */
  address: string | null;
  /** Its latest request, to the minute (see authenticate); null until its first after signing in. */
  lastUsedAt: number | null;
};

/** A session as its user sees it listed: its id is its token's hash, which is no use for signing in. */
export type PublicSession = {
  id: string;
  createdAt: number;
  expiresAt: number;
  userAgent: string | null;
  address: string | null;
  /** When it was last used: its latest request, or signing in. */
  lastUsedAt: number;
  /** The session the request came with. */
  current: boolean;
};

export function publicSession(session: Session, currentTokenHash: string | undefined): PublicSession {
  return {
    id: session.tokenHash,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    userAgent: session.userAgent,
    address: session.address,
    lastUsedAt: session.lastUsedAt ?? session.createdAt,
    current: session.tokenHash === currentTokenHash,
  };
}
