/**
 * relay/wire's refusals, each a typed error saying what, where and why: socket paths too long for a Unix
 * address, private directories that are not (missing, a symlink, a file, open to others, someone else's,
 * not creatable), a stale-socket check meeting a path it may not replace; relay keys and identity tokens
 * that are not; and the quick check and first-TLV reader handing anything undecided to the full validator.
 */
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeMessage, HEADER_SIZE, HeaderOffset, pairInstrument, RelayDomain, TlvType, Venue } from "../../protocol/mod.ts";
import { platform } from "../../core/platform.ts";
import { TRANSPORT } from "../../relay/transport/types.ts";
import { QuickCheck, quickCheck } from "../../relay/wire/check.ts";
import { firstTlvType, isControlType } from "../../relay/wire/control.ts";
import { credentialFromToken, IdentityError, RelayKey } from "../../relay/wire/identity.ts";
import {
  checkPrivateDir, checkSocketPathLength, currentUid, defaultSocketDir, ensurePrivateDir, prepareSocketPath, PrivateDirError, SOCKET_PATH_MAX_BYTES, SocketPathError,
} from "../../relay/wire/socket-paths.ts";
import { tempDir } from "./helpers.ts";

let env: ReturnType<typeof tempDir>;
beforeEach(() => {
  env = tempDir();
});
afterEach(() => {
  env.cleanup();
});

/** The error `f` throws (fails the test when it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("socket paths", () => {
  it("a path longer than a Unix address holds is a SocketPathError naming its byte count and the limit", () => {
    const at = (n: number): string => "/" + "x".repeat(n - 1);
    expect(() => checkSocketPathLength(at(SOCKET_PATH_MAX_BYTES))).not.toThrow();
    const e = thrown(() => checkSocketPathLength(at(SOCKET_PATH_MAX_BYTES + 1)));
    expect(e).toBeInstanceOf(SocketPathError);
    expect(e.message).toContain(`is ${SOCKET_PATH_MAX_BYTES + 1} bytes; Unix sockets allow at most ${SOCKET_PATH_MAX_BYTES}`);
    // Bytes, not characters: 60 two-byte characters are 120 bytes.
    expect(() => checkSocketPathLength("/" + "é".repeat(60))).toThrow(SocketPathError);
  });

  it("the default socket directory follows XDG_RUNTIME_DIR, else /tmp/alphapulse-<uid>", () => {
    const saved = process.env.XDG_RUNTIME_DIR;
    try {
      process.env.XDG_RUNTIME_DIR = "/run/user/4242";
      expect(defaultSocketDir()).toBe("/run/user/4242/alphapulse");
      delete process.env.XDG_RUNTIME_DIR;
      expect(defaultSocketDir()).toBe(`/tmp/alphapulse-${currentUid()}`);
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
  });

  it("a private directory that is missing, a symlink, a file or open to others is a PrivateDirError saying which", () => {
    const missing = path.join(env.dir, "missing");
    const e1 = thrown(() => checkPrivateDir(missing)) as PrivateDirError;
    expect(e1).toBeInstanceOf(PrivateDirError);
    expect([e1.dir, e1.message]).toEqual([missing, `${missing}: cannot inspect the directory (ENOENT)`]);
    expect((e1.cause as { code?: string }).code).toBe("ENOENT");

    const real = path.join(env.dir, "real");
    fs.mkdirSync(real, { mode: 0o700 });
    expect(() => checkPrivateDir(real)).not.toThrow();
    const link = path.join(env.dir, "link");
    fs.symlinkSync(real, link);
    expect(thrown(() => checkPrivateDir(link)).message).toContain("is a symbolic link; refusing to use it");
    const file = path.join(env.dir, "file");
    fs.writeFileSync(file, "");
    expect(thrown(() => checkPrivateDir(file)).message).toBe(`${file}: exists and is not a directory`);
    fs.chmodSync(real, 0o750);
    const open = thrown(() => checkPrivateDir(real));
    expect(open.message).toContain("has mode 0750: group/other may read or write it; run `chmod 700");
    expect((open as PrivateDirError).cause).toBeUndefined();
  });

  it("a directory owned by another user is refused (when this user may hand one over: root)", () => {
    const dir = path.join(env.dir, "theirs");
    fs.mkdirSync(dir, { mode: 0o700 });
    if (currentUid() !== 0) {
      // Nobody else's directory can be made here; this user's own passes.
      expect(() => checkPrivateDir(dir)).not.toThrow();
      return;
    }
    fs.chownSync(dir, 4242, 4242);
    expect(thrown(() => checkPrivateDir(dir)).message).toBe(`${dir}: is owned by uid 4242, not by this user (uid 0); refusing to use it`);
  });

  it("ensurePrivateDir creates a 0700 directory, verifies an existing one and says why it cannot create one", () => {
    const dir = path.join(env.dir, "a", "b");
    ensurePrivateDir(dir);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    ensurePrivateDir(dir); // exists: verified, not an error
    const file = path.join(env.dir, "file");
    fs.writeFileSync(file, "");
    const e = thrown(() => ensurePrivateDir(path.join(file, "sub"))) as PrivateDirError;
    expect(e).toBeInstanceOf(PrivateDirError);
    expect(e.message).toMatch(/cannot create the directory \((ENOTDIR|EEXIST)\)|exists and is not a directory/);
  });

  it("prepareSocketPath makes the default directory private and refuses an unsafe one; elsewhere a failed mkdir is the system's error", async () => {
    const transport = await platform().load(TRANSPORT);
    const saved = process.env.XDG_RUNTIME_DIR;
    try {
      process.env.XDG_RUNTIME_DIR = env.dir;
      const sock = path.join(env.dir, "alphapulse", "market-data.sock");
      await prepareSocketPath(sock, transport);
      expect(fs.statSync(path.join(env.dir, "alphapulse")).mode & 0o777).toBe(0o700);
      fs.chmodSync(path.join(env.dir, "alphapulse"), 0o755);
      await expect(prepareSocketPath(sock, transport)).rejects.toThrow(PrivateDirError);
    } finally {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
    }
    const file = path.join(env.dir, "plain");
    fs.writeFileSync(file, "");
    await expect(prepareSocketPath(path.join(file, "x.sock"), transport)).rejects.toMatchObject({ code: expect.stringMatching(/ENOTDIR|EEXIST/) });
    await expect(prepareSocketPath("/" + "y".repeat(SOCKET_PATH_MAX_BYTES + 5), transport)).rejects.toThrow(SocketPathError);
  });
});

describe("identities", () => {
  it("a short key, a key text that is not base64url and a token of another form are IdentityErrors saying what", () => {
    const short = thrown(() => new RelayKey(new Uint8Array(16)));
    expect(short).toBeInstanceOf(IdentityError);
    expect(short.message).toBe("a relay key needs at least 32 bytes, got 16");
    const text = thrown(() => RelayKey.fromText("not a key!", "ALPHAPULSE_RELAY_KEY"));
    expect(text.message).toBe("ALPHAPULSE_RELAY_KEY: not a base64url relay key of at least 32 bytes");
    const key = RelayKey.generate();
    expect(RelayKey.fromText(key.toText(), "x").toText()).toBe(key.toText());
    expect(thrown(() => credentialFromToken("ap1:1-2:short")).message).toContain("not an AlphaPulse relay identity token (ap1:<lo>-<hi>:<mac>)");
  });

  it("a credential from a token covers the ids of its range only", () => {
    const token = RelayKey.generate().tokenForRange(40, 59);
    const c = credentialFromToken(token);
    expect([c.tokenFor(40), c.tokenFor(59)]).toEqual([token, token]);
    expect([c.tokenFor(39), c.tokenFor(60)]).toEqual([undefined, undefined]);
  });
});

describe("the quick check and the first TLV", () => {
  const quote = (): Uint8Array => encodeMessage({ relayDomain: RelayDomain.MarketData, source: 1, sequence: 1n, timestamp: 0n }, [{
    type: TlvType.Quote, name: "Quote", instrument: pairInstrument("ETH", "USD", Venue.Kraken),
    bidPrice: 1n, bidSize: 2n, askPrice: 3n, askSize: 4n, quoteTimestamp: 5n,
  }]);
  const check = (m: Uint8Array, length = m.length): number => quickCheck(m, new DataView(m.buffer, m.byteOffset), 0, length, false);

  it("passes a sound message and hands an unknown domain, a torn TLV header or a bad extended marker to the full validator", () => {
    expect(check(quote())).toBe(QuickCheck.ok);
    const unknownDomain = quote();
    unknownDomain[HeaderOffset.relayDomain] = 200;
    expect(check(unknownDomain)).toBe(QuickCheck.full);
    // One byte of TLV past the last whole one: not even a TLV header.
    const torn = new Uint8Array(quote().length + 1);
    torn.set(quote());
    expect(check(torn)).toBe(QuickCheck.full);
    // An extended TLV (marker 255) cut inside its 5-byte header, and one whose reserved byte is not 0.
    const ext = new Uint8Array(HEADER_SIZE + 4);
    ext.set(quote().subarray(0, HEADER_SIZE));
    ext[HEADER_SIZE] = 255;
    expect(check(ext)).toBe(QuickCheck.full);
    const reserved = new Uint8Array(HEADER_SIZE + 5);
    reserved.set(quote().subarray(0, HEADER_SIZE));
    reserved.set([255, 1, TlvType.Quote, 0, 0], HEADER_SIZE);
    expect(check(reserved)).toBe(QuickCheck.full);
    // A checksum that does not match, when checked.
    const sum = quote();
    sum[HeaderOffset.checksum] = sum[HeaderOffset.checksum]! ^ 1;
    expect(quickCheck(sum, new DataView(sum.buffer), 0, sum.length, true)).toBe(QuickCheck.full);
  });

  it("a message without a whole first TLV has first type -1; only Hello, Subscribe and RetransmitRequest are control types", () => {
    const m = quote();
    expect(firstTlvType(m, 0)).toBe(TlvType.Quote);
    const empty = m.slice(0, HEADER_SIZE);
    new DataView(empty.buffer).setUint32(HeaderOffset.payloadSize, 0, true);
    expect(firstTlvType(empty, 0)).toBe(-1);
    expect([TlvType.Hello, TlvType.Subscribe, TlvType.RetransmitRequest].every(isControlType)).toBe(true);
    expect([TlvType.Trade, TlvType.Gap, TlvType.Quote].some(isControlType)).toBe(false);
  });
});
