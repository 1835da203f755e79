/** Who a request acts for, once authenticated. */
import type { ApiKeyLimits } from "./api-key.js";
import type { UserRole } from "./user.js";

export type Principal = {
  userId: string;
  role: UserRole;
  via: "session" | "api-key" | "single-user";
  apiKeyId?: string;
  /** The limits an admin set for this user, read with the account; absent or null means the server's defaults. */
  limits?: { requestsPerMinute: number | null; tokensPerDay: number | null };
  /** With an API key: the key's own limits, which hold within the user's. */
  keyLimits?: ApiKeyLimits;
  /** With an API key held to some models: the model ids it may use (see key-models.ts); absent: every model. */
  keyModels?: readonly string[];
};

/** The one user of a server in single-user mode (loopback only, no accounts). */
export const SINGLE_USER: Principal = { userId: "local", role: "admin", via: "single-user" };
