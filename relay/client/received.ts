/**
 * One message as a subscriber receives it: a zero-copy view over the received bytes (nothing is decoded
 * until asked), typed by the TLV names the subscription asked for, with the PROTOCOL §7 JSON form.
 *
 * @example
 * ```ts
 * for await (const msg of client.subscribe({ types: ["Trade"] })) {
 *   const trade = msg.tlv();              // TradeTlv: bigint price and size, instrument ids
 *   console.log(msg.source, trade.price, JSON.stringify(msg)); // JSON.stringify uses toJSON()
 * }
 * ```
 * @module
 */

import {
  decodeMessage, HeaderOffset, type Json, type JsonObject, messageToJson, MessageView, RELAY_DOMAIN_NAMES, type RelayDomain,
  type Tlv, type TlvOf,
} from "../../protocol/mod.ts";
import type { DomainName } from "../wire/socket-paths.ts";
import { ClientError, tlvName, type TlvName } from "./names.ts";

/** The PROTOCOL §7 JSON form of a message: its header and its TLVs. */
export interface MessageJson {
  /** Header fields (64-bit numbers as decimal strings). */
  header: JsonObject;
  /** One object per TLV, with `type` and `name`. */
  tlvs: JsonObject[];
  [key: string]: Json;
}

/** A received message whose first TLV is one of the types `N`. The bytes are the relay's, never copied. */
export class ReceivedMessage<N extends TlvName = TlvName> {
  /** The whole message (header, TLVs), a view of the received chunk (kept valid: chunks are never reused). */
  readonly bytes: Uint8Array;
  private view: MessageView | undefined;

  /** @param bytes exactly one validated message */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  private header(): MessageView {
    return (this.view ??= new MessageView().wrap(this.bytes, 0));
  }

  /** The relay domain's name (`"market-data"`, …). */
  get domain(): DomainName {
    return RELAY_DOMAIN_NAMES[this.bytes[HeaderOffset.relayDomain] as RelayDomain] as DomainName;
  }
  /** The publishing source (service id). */
  get source(): number {
    return this.header().source;
  }
  /** The source's sequence number. */
  get sequence(): bigint {
    return this.header().sequence;
  }
  /** Nanoseconds since the epoch when it was published. */
  get timestamp(): bigint {
    return this.header().timestamp;
  }
  /** The first TLV's type name (`"Trade"`); the name of a Gap notice or an unregistered type too. */
  get type(): N {
    const v = this.header();
    if (!v.firstTlv()) throw new ClientError("BadArgument", `message ${this.source}#${this.sequence} has no TLV`);
    return (tlvName(v.tlvType) ?? `Unknown(${v.tlvType})`) as N;
  }
  /** The first TLV, decoded (bigint amounts, instrument ids). */
  tlv(): TlvOf<N> {
    return decodeMessage(this.bytes).tlvs[0] as TlvOf<N>;
  }
  /** Every TLV, decoded. */
  tlvs(): Tlv[] {
    return decodeMessage(this.bytes).tlvs;
  }
  /** The PROTOCOL §7 JSON form (`{header, tlvs}`), what `ap decode --json` prints; used by `JSON.stringify`. */
  toJSON(): MessageJson {
    return messageToJson(decodeMessage(this.bytes)) as MessageJson;
  }
}
