/**
 * Kraken's book checksum (WebSocket v2, same algorithm as v1): CRC-32 over the top 10 asks (low to
 * high) then the top 10 bids (high to low), each level contributing its price text and then its
 * quantity text with the '.' removed and leading zeros stripped ("0.00100000" → "100000"). The texts
 * are the venue's own digits at full precision, which is why the book keeps them.
 *
 * @example
 * ```ts
 * krakenChecksum(book) === message.checksum // else resubscribe the symbol
 * ```
 * @module
 */

import { crc32 } from "../../protocol/mod.ts";
import type { BookSide, OrderBook } from "../common/book.ts";

/** Levels per side the checksum covers. */
export const KRAKEN_CHECKSUM_LEVELS = 10;

const buf = new Uint8Array(64 * 1024);
const encoder = new TextEncoder();

/** `text` without '.' and without leading zeros. */
export function checksumDigits(text: string): string {
  let s = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) continue;
    if (c === 48 && s.length === 0) continue;
    s += text[i];
  }
  return s;
}

function appendSide(parts: string[], side: BookSide): void {
  const prices = side.priceTexts;
  const sizes = side.sizeTexts;
  if (!prices || !sizes) throw new Error("the Kraken checksum needs a book that keeps level texts");
  const n = Math.min(KRAKEN_CHECKSUM_LEVELS, side.length);
  for (let i = 0; i < n; i++) {
    parts.push(checksumDigits(prices[i]!), checksumDigits(sizes[i]!));
  }
}

/** The text the checksum is computed over (asks then bids), for diagnostics. */
export function checksumText(book: OrderBook): string {
  const parts: string[] = [];
  appendSide(parts, book.asks);
  appendSide(parts, book.bids);
  return parts.join("");
}

/** The CRC-32 (unsigned) of {@link checksumText}. */
export function krakenChecksum(book: OrderBook): number {
  const text = checksumText(book);
  const { written } = encoder.encodeInto(text, buf);
  return crc32(buf, 0, written);
}
