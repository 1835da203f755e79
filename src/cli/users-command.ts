/**
 * `parley users add|password|list`: accounts from the command line, e.g. the first admin of a fresh server, or a new
 * password for an admin who forgot theirs.
 */
import { text } from "node:stream/consumers";
import { BadRequestError, NotFoundError } from "../core/app-error.js";
import { createAccount, setPassword } from "../http/auth/accounts.js";
import { openConfiguredStore } from "./open-configured-store.js";

type StoreFlags = { config?: string; dataDir?: string };

/** The password comes on standard input, never as an argument that would land in shell history or `ps`. */
async function passwordFromStdin(email: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Password for ${email} (then Enter, Ctrl+D): `);
  const password = (await text(process.stdin)).replace(/\r?\n$/, "");
  if (password === "") throw new BadRequestError("No password was given on standard input.");
  return password;
}

export async function runUsersAdd(email: string, options: StoreFlags & { admin?: boolean }): Promise<void> {
  const password = await passwordFromStdin(email);
  const store = await openConfiguredStore(options);
  try {
    const user = await createAccount(store, { email, password, role: options.admin ? "admin" : "user" });
    console.log(`Created ${user.role} ${user.email} (${user.id}).`);
  } finally {
    await store.close();
  }
}

export async function runUsersPassword(email: string, options: StoreFlags): Promise<void> {
  const password = await passwordFromStdin(email);
  const store = await openConfiguredStore(options);
  try {
    const user = await store.users.getByEmail(email);
    if (!user) throw new NotFoundError("Account", email);
    await setPassword(store, user.id, password);
    console.log(`Set a new password for ${user.email}; its sessions have ended.`);
  } finally {
    await store.close();
  }
}

export async function runUsersList(options: StoreFlags): Promise<void> {
  const store = await openConfiguredStore(options);
  try {
    for (const user of await store.users.list())
      console.log(`${user.id}  ${user.role.padEnd(5)}  ${user.email}`);
  } finally {
    await store.close();
  }
}
