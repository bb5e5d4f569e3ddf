/**
 * The JSON form of messages (PROTOCOL.md §7), spoken by `ap decode --json`, `ap encode` and the API.
 *
 * 64/128/160-bit integers are decimal strings, addresses lowercase hex, reserved fields omitted, enums
 * numbers; InstrumentId as `{assetId, venue, assetType, symbol?}`. `messageFromJson` is the exact
 * inverse of `messageToJson` and reports a bad field by its path (`tlvs[0].price`).
 *
 * @example
 * ```ts
 * const json = messageToJson(decodeMessage(bytes));
 * const again = encodeJsonMessage(JSON.parse(JSON.stringify(json))); // same bytes
 * ```
 * @module
 */

import { ProtocolError } from "./errors.ts";
import { instrumentSymbol, pairAssetId, type InstrumentId } from "./instrument.ts";
import { fromHex, normalizeAddress, toHex } from "./wide-ints.ts";
import { encodeMessage, type Message, type MessageMeta } from "./message.ts";
import { tlvSpec, type FieldSpec } from "./tlv-schema.ts";
import type { Tlv } from "./tlv-types.ts";
import type { MessageHeader } from "./header.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

function instrumentToJson(id: InstrumentId): JsonObject {
  const out: JsonObject = { assetId: id.assetId.toString(), venue: id.venue, assetType: id.assetType };
  const symbol = instrumentSymbol(id);
  if (symbol !== undefined) out.symbol = symbol;
  return out;
}

function valueToJson(v: unknown): Json {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" || typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(valueToJson);
  if (v && typeof v === "object" && "assetId" in v) return instrumentToJson(v as InstrumentId);
  if (v && typeof v === "object") {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(v)) o[k] = valueToJson(x);
    return o;
  }
  return null;
}

/** The JSON form of one TLV. */
export function tlvToJson(tlv: Tlv): JsonObject {
  if (tlv.name === "Unknown") return { type: tlv.type, name: "Unknown", hex: toHex(tlv.bytes) };
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(tlv)) if (v !== undefined) out[k] = valueToJson(v);
  return out;
}

/** The JSON form of a header (sequence and timestamp as decimal strings). */
export function headerToJson(h: MessageHeader): JsonObject {
  return {
    magic: h.magic, version: h.version, relayDomain: h.relayDomain, source: h.source,
    sequence: h.sequence.toString(), timestamp: h.timestamp.toString(), payloadSize: h.payloadSize, checksum: h.checksum,
  };
}

/** The JSON form of a decoded message. */
export function messageToJson(msg: Message): JsonObject {
  return { header: headerToJson(msg.header), tlvs: msg.tlvs.map(tlvToJson) };
}

function bad(path: string, why: string): ProtocolError {
  return new ProtocolError("InvalidValue", `${path} ${why}`);
}

function obj(v: Json | undefined, path: string): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad(path, "must be an object");
  return v;
}

function bigintFrom(v: Json | undefined, path: string): bigint {
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw bad(path, `must be an integer as a decimal string, got ${JSON.stringify(v ?? null)}`);
}

function intFrom(v: Json | undefined, path: string): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw bad(path, `must be an integer, got ${JSON.stringify(v ?? null)}`);
}

function instrumentFrom(v: Json | undefined, path: string): InstrumentId {
  const o = obj(v, path);
  let assetId: bigint;
  if (o.assetId !== undefined) assetId = bigintFrom(o.assetId, `${path}.assetId`);
  else if (typeof o.symbol === "string" && o.symbol.includes("/")) {
    const [b, q] = o.symbol.split("/") as [string, string];
    assetId = pairAssetId(b, q);
  } else throw bad(`${path}.assetId`, "is missing");
  return { assetId, venue: intFrom(o.venue, `${path}.venue`), assetType: intFrom(o.assetType, `${path}.assetType`) };
}

function fieldFrom(fs: FieldSpec, v: Json | undefined, path: string): unknown {
  switch (fs.kind) {
    case "u64": case "i64": case "u128": case "u160": return bigintFrom(v, path);
    case "addr":
      if (typeof v !== "string") throw bad(path, "must be a 0x address string");
      return normalizeAddress(v, path);
    case "instrument": return instrumentFrom(v, path);
    default: return intFrom(v, path);
  }
}

/** Parses the JSON form of one TLV into its typed form; `path` prefixes error messages. */
export function tlvFromJson(json: Json, path = "tlv"): Tlv {
  const o = obj(json, path);
  const type = intFrom(o.type, `${path}.type`);
  if (type < 0 || type > 254) throw bad(`${path}.type`, "must be within 0..254");
  const spec = tlvSpec(type);
  if (!spec || o.name === "Unknown") {
    if (spec) throw bad(`${path}.name`, `is Unknown but type ${type} is registered (${spec.name})`);
    if (typeof o.hex !== "string") throw bad(`${path}.hex`, "must be a hex string");
    return { type, name: "Unknown", bytes: fromHex(o.hex, `${path}.hex`) };
  }
  if (o.name !== undefined && o.name !== spec.name) throw bad(`${path}.name`, `is ${JSON.stringify(o.name)} but type ${type} is ${spec.name}`);
  const out: Record<string, unknown> = { type, name: spec.name };
  for (const fs of spec.fields) {
    const v = o[fs.name];
    if (v === undefined && fs.optional) continue;
    if (v === undefined) throw bad(`${path}.${fs.name}`, "is missing");
    out[fs.name] = fieldFrom(fs, v, `${path}.${fs.name}`);
  }
  switch (spec.tail) {
    case "book":
      for (const side of ["bids", "asks"] as const) {
        const arr = o[side];
        if (!Array.isArray(arr)) throw bad(`${path}.${side}`, "must be an array");
        out[side] = arr.map((l, i) => {
          const lo = obj(l, `${path}.${side}[${i}]`);
          return { price: bigintFrom(lo.price, `${path}.${side}[${i}].price`), size: bigintFrom(lo.size, `${path}.${side}[${i}].size`) };
        });
      }
      break;
    case "hops": {
      const arr = o.extraHopPools ?? [];
      if (!Array.isArray(arr)) throw bad(`${path}.extraHopPools`, "must be an array");
      out.extraHopPools = arr.map((a, i) => {
        if (typeof a !== "string") throw bad(`${path}.extraHopPools[${i}]`, "must be an address");
        return normalizeAddress(a, `${path}.extraHopPools[${i}]`);
      });
      break;
    }
    case "token":
      if (typeof o.token !== "string") throw bad(`${path}.token`, "must be a string");
      out.token = o.token;
      break;
    case "types": {
      const arr = o.types ?? [];
      if (!Array.isArray(arr)) throw bad(`${path}.types`, "must be an array");
      out.types = arr.map((t, i) => intFrom(t, `${path}.types[${i}]`));
      break;
    }
  }
  return out as unknown as Tlv;
}

/** Parses the JSON form of a message into header fields and typed TLVs. */
export function messageFromJson(json: Json): { meta: MessageMeta; tlvs: Tlv[] } {
  const o = obj(json, "message");
  const h = obj(o.header, "header");
  const meta: MessageMeta = {
    relayDomain: intFrom(h.relayDomain, "header.relayDomain"),
    source: intFrom(h.source, "header.source"),
    sequence: bigintFrom(h.sequence, "header.sequence"),
    timestamp: bigintFrom(h.timestamp, "header.timestamp"),
  };
  if (!Array.isArray(o.tlvs)) throw bad("tlvs", "must be an array");
  return { meta, tlvs: o.tlvs.map((t, i) => tlvFromJson(t, `tlvs[${i}]`)) };
}

/** Encodes the JSON form of a message to bytes (payloadSize and checksum computed). */
export function encodeJsonMessage(json: Json): Uint8Array {
  const { meta, tlvs } = messageFromJson(json);
  return encodeMessage(meta, tlvs);
}
