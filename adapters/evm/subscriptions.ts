/**
 * The JSON-RPC subscriptions of an {@link EvmFeed} (adapters/evm/feed.ts): the `eth_subscribe` requests it
 * sends (or a capture shows it sent) and their ids, and the subscription ids the node confirmed, by kind.
 * The log filter (our event topics, the configured pools) is built here too.
 *
 * @module
 */

import { ALL_EVENT_TOPICS } from "./events.ts";
import type { SubscriptionKind } from "./feed-options.ts";

/** See the module documentation. */
export class EvmSubscriptions {
  /** Subscription ids the node confirmed, with their kind (read by the feed for every notification). */
  readonly confirmed = new Map<string, SubscriptionKind>();
  private readonly requests = new Map<string, SubscriptionKind>();
  private readonly pools: readonly string[];
  private nextRequestId = 1;

  /** @param pools pools to filter on (lower-case addresses); empty = every pool emitting the events */
  constructor(pools: readonly string[]) {
    this.pools = pools;
  }

  /** The `eth_subscribe`/`eth_getLogs` filter: our event topics, and the configured pools if any. */
  logFilter(): { topics: string[][]; address?: string[] } {
    const filter: { topics: string[][]; address?: string[] } = { topics: [[...ALL_EVENT_TOPICS]] };
    if (this.pools.length > 0) filter.address = [...this.pools];
    return filter;
  }

  /** JSON text of an `eth_subscribe` request for `kind` (its id is remembered). */
  subscribeRequest(kind: SubscriptionKind): string {
    const params = kind === "logs" ? ["logs", this.logFilter()] : ["newHeads"];
    const text = JSON.stringify({ jsonrpc: "2.0", id: this.nextRequestId++, method: "eth_subscribe", params });
    this.noteSent(text);
    return text;
  }

  /** Learns the id of an `eth_subscribe` request sent on the socket (live, or a capture's `sent` line). */
  noteSent(text: string): void {
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(text);
    } catch {
      return;
    }
    if (req?.method !== "eth_subscribe" || !Array.isArray(req.params)) return;
    const kind = req.params[0];
    if ((kind === "logs" || kind === "newHeads") && (typeof req.id === "number" || typeof req.id === "string")) {
      this.requests.set(String(req.id), kind);
    }
  }

  /** The kind of the pending `eth_subscribe` request with JSON-RPC id `id` (forgotten here), or undefined. */
  takeRequest(id: unknown): SubscriptionKind | undefined {
    // JSON-RPC ids are strings or numbers; String() of anything else (a deeply nested array) can overflow the stack.
    const key = typeof id === "string" || typeof id === "number" ? String(id) : "";
    const kind = this.requests.get(key);
    if (kind !== undefined) this.requests.delete(key);
    return kind;
  }

  /** A new session: the ids of the old one are void. */
  clear(): void {
    this.confirmed.clear();
    this.requests.clear();
  }
}
