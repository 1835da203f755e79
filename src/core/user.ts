/** A person with an account, and the limits an admin set for them. */
export type UserRole = "admin" | "user";

export type User = {
  id: string;
  /** Lower-cased; the login name. */
  email: string;
  role: UserRole;
  /** scrypt hash in `scrypt$N$r$p$salt$hash` form; never leaves the server. */
  passwordHash: string;
  /** Overrides of the server's default limits; null takes the default. */
  requestsPerMinute: number | null;
  tokensPerDay: number | null;
  createdAt: number;
  /** When an admin disabled the account: it can no longer sign in, and its keys stop working. Null: active. */
  disabledAt: number | null;
};

/** The shortest password Parley takes; the web app's fields ask for as much before sending. */
export const MIN_PASSWORD_LENGTH = 8;

/** A user as the API shows it: no password hash. */
export type PublicUser = Omit<User, "passwordHash">;

export function publicUser(user: User): PublicUser {
  const { passwordHash: _hidden, ...rest } = user;
  return rest;
}
