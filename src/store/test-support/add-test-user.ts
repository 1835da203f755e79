/** An account for store tests that need one (keys and sessions belong to a user): active, with no limits of its own. */
import type { ParleyStore } from "../../core/parley-store.js";

export async function addTestUser(store: ParleyStore, id: string): Promise<void> {
  await store.users.create({
    id,
    email: `${id}@example.com`,
    role: "user",
    passwordHash: "scrypt$unused",
    requestsPerMinute: null,
    tokensPerDay: null,
    createdAt: 1,
    disabledAt: null,
  });
}
