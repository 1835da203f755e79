/**
 * Which IP addresses a server-side fetch may connect to: none of loopback, private, link-local, carrier-grade
 * NAT, cloud metadata, unspecified, multicast or otherwise reserved ones, however the address is spelled.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

export type AddressPolicyConfig = {
  /**
   * Addresses or CIDR ranges allowed even though they are forbidden by default (for example an intranet wiki,
   * or a test server on 127.0.0.1). Everything else stays refused.
   */
  allow?: readonly string[];
};

type Family = "ipv4" | "ipv6";
type Range = readonly [network: string, prefix: number];

/** Named groups of ranges, checked in order, so an address gets its most specific name (metadata before link-local). */
const FORBIDDEN_IPV4: readonly { name: string; ranges: readonly Range[] }[] = [
  // AWS, GCP, Azure, OpenStack and others serve credentials here; Azure's wire server sits on a public address.
  {
    name: "a cloud metadata address",
    ranges: [
      ["169.254.169.254", 32],
      ["168.63.129.16", 32],
    ],
  },
  { name: "an unspecified (this-network) address", ranges: [["0.0.0.0", 8]] },
  { name: "a loopback address", ranges: [["127.0.0.0", 8]] },
  {
    name: "a private address",
    ranges: [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
    ],
  },
  { name: "a link-local address", ranges: [["169.254.0.0", 16]] },
  { name: "a carrier-grade NAT (shared) address", ranges: [["100.64.0.0", 10]] },
  { name: "a multicast address", ranges: [["224.0.0.0", 4]] },
  // Never a public web server: protocol assignments, documentation, benchmarking, reserved and broadcast.
  {
    name: "a reserved address",
    ranges: [
      ["192.0.0.0", 24],
      ["192.0.2.0", 24],
      ["198.18.0.0", 15],
      ["198.51.100.0", 24],
      ["203.0.113.0", 24],
      ["240.0.0.0", 4],
    ],
  },
];

const FORBIDDEN_IPV6: readonly { name: string; ranges: readonly Range[] }[] = [
  { name: "a cloud metadata address", ranges: [["fd00:ec2::254", 128]] },
  { name: "the unspecified address", ranges: [["::", 128]] },
  { name: "a loopback address", ranges: [["::1", 128]] },
  { name: "a private (unique local) address", ranges: [["fc00::", 7]] },
  {
    name: "a link-local address",
    ranges: [
      ["fe80::", 10],
      // Site-local: deprecated, but still routed inside some networks.
      ["fec0::", 10],
    ],
  },
  { name: "a multicast address", ranges: [["ff00::", 8]] },
  {
    name: "a reserved address",
    ranges: [
      // IPv4-compatible addresses (deprecated), the discard prefix, documentation, local-use NAT64 and Teredo:
      // either never a web server, or a tunnel to an address this check cannot see.
      ["::", 96],
      ["100::", 64],
      ["2001:db8::", 32],
      ["64:ff9b:1::", 48],
      ["2001::", 32],
    ],
  },
];

const FORBIDDEN_IPV4_LISTS = compile(FORBIDDEN_IPV4, "ipv4");
const FORBIDDEN_IPV6_LISTS = compile(FORBIDDEN_IPV6, "ipv6");

export function createAddressPolicy(config: AddressPolicyConfig = {}): AddressPolicy {
  const allowed = new BlockList();
  for (const entry of config.allow ?? []) addRange(allowed, entry);

  const checkIPv4 = (address: string, spelledAs: string): AddressVerdict => {
    if (allowed.check(address, "ipv4")) return { allowed: true };
    const name = FORBIDDEN_IPV4_LISTS.find((group) => group.list.check(address, "ipv4"))?.name;
    return name === undefined ? { allowed: true } : refused(spelledAs, name);
  };

  return {
    check(input) {
      // A zone id (fe80::1%eth0) names an interface, not part of the address.
      const address = input.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
      if (isIPv4(address)) return checkIPv4(address, address);
      if (!isIPv6(address))
        return { allowed: false, reason: `${JSON.stringify(input)} is not an IP address` };
      if (allowed.check(address, "ipv6")) return { allowed: true };
      // IPv6 forms that carry an IPv4 address reach that IPv4 address, so they are judged by it.
      const embedded = embeddedIPv4(address);
      if (embedded !== undefined) return checkIPv4(embedded, address);
      const name = FORBIDDEN_IPV6_LISTS.find((group) => group.list.check(address, "ipv6"))?.name;
      return name === undefined ? { allowed: true } : refused(address, name);
    },
  };
}

/** The policy of every server-side fetch unless the configuration allows more. */
export const DEFAULT_ADDRESS_POLICY: AddressPolicy = createAddressPolicy();

function refused(address: string, name: string): AddressVerdict {
  return { allowed: false, reason: `${address} is ${name}` };
}

function compile(groups: readonly { name: string; ranges: readonly Range[] }[], family: Family) {
  return groups.map((group) => {
    const list = new BlockList();
    for (const [network, prefix] of group.ranges) list.addSubnet(network, prefix, family);
    return { name: group.name, list };
  });
}

/** Adds "10.1.2.3", "10.0.0.0/8", "::1" or "fd00::/8" to `list`; throws on anything else. */
function addRange(list: BlockList, entry: string): void {
  const [network = "", prefixText] = entry.trim().split("/");
  const family: Family | undefined = isIPv4(network) ? "ipv4" : isIPv6(network) ? "ipv6" : undefined;
  const maximum = family === "ipv4" ? 32 : 128;
  const prefix = prefixText === undefined ? maximum : Number(prefixText);
  if (family === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > maximum) {
    throw new TypeError(
      `${JSON.stringify(entry)} is not an IP address or CIDR range (like 10.0.0.0/8 or fd00::/8).`,
    );
  }
  list.addSubnet(network, prefix, family);
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address,
 * however it is written (::ffff:127.0.0.1, ::ffff:7f00:1, 0:0:0:0:0:ffff:7f00:0001).
 */
export function embeddedIPv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = groups;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) return ipv4Of(g, h);
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return ipv4Of(g, h);
  if (a === 0x2002) return ipv4Of(b, c);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address, expanding `::` and a dotted IPv4 tail. */
function ipv6Groups(address: string): number[] | undefined {
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted !== undefined) {
    const [p = 0, q = 0, r = 0, s = 0] = dotted.split(".").map(Number);
    text = `${text.slice(0, -dotted.length)}${((p << 8) | q).toString(16)}:${((r << 8) | s).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const start = parse(head);
  if (tail === undefined) return start;
  const end = parse(tail);
  return [...start, ...new Array<number>(8 - start.length - end.length).fill(0), ...end];
}

function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}
