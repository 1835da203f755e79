import { describe, expect, it } from "vitest";
import { createAddressPolicy, DEFAULT_ADDRESS_POLICY, embeddedIPv4 } from "./address-policy.js";
import { checkedAddress } from "./checked-connector.js";
import { FetchUrlError } from "./fetch-url-error.js";

const reasonOf = (address: string) => {
  const verdict = DEFAULT_ADDRESS_POLICY.check(address);
  return verdict.allowed ? "allowed" : verdict.reason;
};

describe("the default address policy", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.255.255.254", /loopback/],
    ["::1", /loopback/],
    ["10.0.0.1", /private/],
    ["172.16.0.1", /private/],
    ["172.31.255.255", /private/],
    ["192.168.1.1", /private/],
    ["fc00::1", /private/],
    ["fd12:3456::1", /private/],
    ["169.254.1.1", /link-local/],
    ["fe80::1", /link-local/],
    ["fe80::1%eth0", /link-local/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["100.127.255.255", /carrier-grade NAT/],
    ["169.254.169.254", /metadata/],
    ["fd00:ec2::254", /metadata/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["224.0.0.1", /multicast/],
    ["239.255.255.250", /multicast/],
    ["ff02::1", /multicast/],
    ["255.255.255.255", /reserved/],
    ["192.0.2.10", /reserved/],
  ])("refuses %s", (address, reason) => {
    expect(reasonOf(address)).toMatch(reason);
  });

  it.each([
    ["::ffff:127.0.0.1", /loopback/],
    ["::ffff:7f00:1", /loopback/],
    ["0:0:0:0:0:ffff:7f00:0001", /loopback/],
    ["[::ffff:127.0.0.1]", /loopback/],
    ["::ffff:169.254.169.254", /metadata/],
    ["::ffff:10.1.2.3", /private/],
    ["64:ff9b::127.0.0.1", /loopback/],
    ["64:ff9b::a00:1", /private/],
    ["2002:7f00:1::", /loopback/],
    ["2002:c0a8:101::1", /private/],
    ["::127.0.0.1", /reserved/],
    ["2001::1", /reserved/],
  ])("refuses %s, an IPv6 spelling of an internal IPv4 address", (address, reason) => {
    expect(reasonOf(address)).toMatch(reason);
  });

  it("reads the embedded IPv4 address of mapped, NAT64 and 6to4 addresses", () => {
    expect(embeddedIPv4("::ffff:7f00:1")).toBe("127.0.0.1");
    expect(embeddedIPv4("::ffff:192.168.0.1")).toBe("192.168.0.1");
    expect(embeddedIPv4("64:ff9b::808:808")).toBe("8.8.8.8");
    expect(embeddedIPv4("2002:0808:0404::1")).toBe("8.8.4.4");
    expect(embeddedIPv4("2606:4700::1111")).toBeUndefined();
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ])("allows the public address %s", (address) => {
    expect(reasonOf(address)).toBe("allowed");
  });

  it("refuses what is not an IP address", () => {
    expect(reasonOf("localhost")).toMatch(/not an IP address/);
    expect(reasonOf("2130706433")).toMatch(/not an IP address/);
  });

  it("sees through decimal, hex, octal and short IPv4 spellings once a URL is parsed, as every fetch does", () => {
    for (const spelling of ["2130706433", "0x7f.1", "0x7f000001", "017700000001", "127.1", "0177.0.0.1"]) {
      const hostname = new URL(`http://${spelling}/`).hostname;
      expect(hostname, spelling).toBe("127.0.0.1");
      expect(reasonOf(hostname), spelling).toMatch(/loopback/);
    }
    expect(reasonOf(new URL("http://[::ffff:127.0.0.1]/").hostname)).toMatch(/loopback/);
    expect(reasonOf(new URL("http://0/").hostname)).toMatch(/unspecified/);
  });
});

describe("an address policy with an allow-list", () => {
  it("allows exactly the listed addresses and ranges, and nothing else internal", () => {
    const policy = createAddressPolicy({ allow: ["127.0.0.2", "10.20.0.0/16", "fd00:1::/32"] });
    expect(policy.check("127.0.0.2")).toEqual({ allowed: true });
    expect(policy.check("::ffff:127.0.0.2")).toEqual({ allowed: true });
    expect(policy.check("10.20.30.40")).toEqual({ allowed: true });
    expect(policy.check("fd00:1::5")).toEqual({ allowed: true });
    expect(policy.check("127.0.0.1").allowed).toBe(false);
    expect(policy.check("10.21.0.1").allowed).toBe(false);
    expect(policy.check("169.254.169.254").allowed).toBe(false);
  });

  it("refuses a malformed entry at once", () => {
    expect(() => createAddressPolicy({ allow: ["10.0.0.0/33"] })).toThrow(/not an IP address or CIDR/);
    expect(() => createAddressPolicy({ allow: ["intranet.local"] })).toThrow(/not an IP address or CIDR/);
  });
});

describe("checking the addresses a host name resolves to", () => {
  it("refuses a name that resolves to loopback, naming the name", async () => {
    const error = await checkedAddress("localhost", DEFAULT_ADDRESS_POLICY).catch((caught) => caught);
    expect(error).toBeInstanceOf(FetchUrlError);
    expect(error.code).toBe("url_refused");
    expect(error.message).toMatch(/loopback.*localhost resolves to it/);
  });

  it("refuses a name when any of its answers is internal, and asks the resolver once", async () => {
    let lookups = 0;
    const lookup = async () => {
      lookups++;
      return ["93.184.216.34", "10.0.0.5"];
    };
    await expect(checkedAddress("rebind.example", DEFAULT_ADDRESS_POLICY, lookup)).rejects.toThrow(/private/);
    expect(lookups).toBe(1);
  });

  it("returns the checked address to connect to, and checks IP literals without a lookup", async () => {
    const lookup = async () => ["93.184.216.34"];
    expect(await checkedAddress("example.com", DEFAULT_ADDRESS_POLICY, lookup)).toBe("93.184.216.34");
    expect(await checkedAddress("[2606:4700::1]", DEFAULT_ADDRESS_POLICY, lookup)).toBe("2606:4700::1");
    await expect(checkedAddress("[::1]", DEFAULT_ADDRESS_POLICY, lookup)).rejects.toThrow(/loopback/);
  });

  it("reports a name that does not resolve as unreachable, not refused", async () => {
    const lookup = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" });
    };
    await expect(checkedAddress("nowhere.invalid", DEFAULT_ADDRESS_POLICY, lookup)).rejects.toMatchObject({
      code: "url_unreachable",
    });
  });
});
