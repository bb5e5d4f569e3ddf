import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitPayload } from "../../bridge/payload.ts";
import { domainSubjects, sourceOfSubject, sourceSubject, streamName, SubjectPrefixError } from "../../bridge/subjects.ts";
import { RelayDomain, validateMessage } from "../../protocol/mod.ts";
import { concatMessages, seqOf, trade } from "./messages.ts";

function split(payload: Uint8Array): { seqs: bigint[]; invalid: number } {
  const seqs: bigint[] = [];
  const c = splitPayload(payload, (b, o) => seqs.push(seqOf(b, o)));
  return { seqs, invalid: c.invalid };
}

describe("bridge payload", () => {
  it("test messages are valid wire messages", () => {
    expect(validateMessage(trade(3, 7n))).toBeUndefined();
  });

  it("splits a batch back into its messages, in order", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 1000 }), (n, first) => {
      const msgs = Array.from({ length: n }, (_, i) => trade(3, BigInt(first + i)));
      const got = split(concatMessages(msgs));
      expect(got.invalid).toBe(0);
      expect(got.seqs).toEqual(msgs.map((m) => seqOf(m)));
    }));
  });

  it("counts a truncated tail as one invalid unit and keeps what precedes it", () => {
    const p = concatMessages([trade(3, 1n), trade(3, 2n), trade(3, 3n)]);
    const got = split(p.subarray(0, p.length - 10));
    expect(got.seqs).toEqual([1n, 2n]);
    expect(got.invalid).toBe(1);
  });

  it("never throws on arbitrary bytes, and hands over only well-framed messages", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 3 }), (junk, good) => {
      const msgs = Array.from({ length: good }, (_, i) => trade(9, BigInt(i + 1)));
      const payload = concatMessages([...msgs, junk]);
      let handed = 0;
      const c = splitPayload(payload, (b, o, l) => {
        expect(validateMessage(b, o, l, { verifyChecksum: false })).toBeUndefined();
        handed++;
      });
      expect(handed).toBeGreaterThanOrEqual(good);
      expect(c.messages).toBe(handed);
    }));
  });
});

describe("bridge subjects", () => {
  it("names subjects and streams per domain and source", () => {
    expect(sourceSubject(RelayDomain.MarketData, 3)).toBe("alphapulse.market-data.3");
    expect(domainSubjects(RelayDomain.Signal)).toBe("alphapulse.signal.*");
    expect(streamName(RelayDomain.MarketData)).toBe("ALPHAPULSE_MARKET_DATA");
    expect(streamName(RelayDomain.Execution, "desk-2")).toBe("DESK_2_EXECUTION");
    expect(() => sourceSubject(RelayDomain.MarketData, 3, "a.b")).toThrow(SubjectPrefixError);
  });

  it("reads the source back from a subject, rejecting anything else", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 65535 }), (s) => {
      expect(sourceOfSubject(sourceSubject(RelayDomain.Execution, s))).toBe(s);
    }));
    for (const bad of ["alphapulse.market-data.", "alphapulse.market-data.65536", "alphapulse.market-data.x1", "nodots", "a.b.1234567"]) {
      expect(sourceOfSubject(bad)).toBe(-1);
    }
  });
});
