/**
 * An undici connector that resolves a host name once, checks every address it resolves to against an address
 * policy, and connects to the checked address itself: a DNS answer that changes between the check and the
 * connection (DNS rebinding) cannot slip a forbidden address in, because there is no second lookup.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { buildConnector } from "undici";
import type { AddressPolicy } from "./address-policy.js";
import { FetchUrlError } from "./fetch-url-error.js";

/** Every address a host name resolves to. */
export type HostLookup = (hostname: string) => Promise<readonly string[]>;

export const systemLookup: HostLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((answer) => answer.address);

export type CheckedConnectorConfig = {
  policy: AddressPolicy;
  lookup?: HostLookup;
  /** Milliseconds to establish the connection (and TLS). */
  connectTimeoutMs: number;
};

export function createCheckedConnector(config: CheckedConnectorConfig): buildConnector.connector {
  const connect = buildConnector({ timeout: config.connectTimeoutMs });
  const lookup = config.lookup ?? systemLookup;
  return (options, callback) => {
    checkedAddress(options.hostname, config.policy, lookup).then(
      // `host` keeps the name, so TLS still sends it (SNI) and checks the certificate against it.
      (address) => connect({ ...options, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
}

/** The address to connect to for `hostname`, once every address it resolves to passed the policy. */
export async function checkedAddress(
  hostname: string,
  policy: AddressPolicy,
  lookup: HostLookup = systemLookup,
): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, "");
  let addresses: readonly string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await lookup(host);
    } catch (error) {
      throw new FetchUrlError("url_unreachable", `The host ${host} could not be found (DNS).`, {
        cause: error,
      });
    }
  }
  if (addresses.length === 0) throw new FetchUrlError("url_unreachable", `The host ${host} has no address.`);
  // One forbidden answer refuses the host: a name that mixes public and internal addresses is an attack, or a
  // misconfiguration nobody should be connected through.
  for (const address of addresses) {
    const verdict = policy.check(address);
    if (!verdict.allowed) {
      const via = address === host ? "" : ` (${host} resolves to it)`;
      throw new FetchUrlError(
        "url_refused",
        `Parley does not fetch from internal addresses: ${verdict.reason}${via}.`,
      );
    }
  }
  return addresses[0] as string;
}
