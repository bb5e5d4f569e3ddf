// @ts-check
/**
 * A `/stream` WebSocket that stays up by itself: reconnects with exponential backoff and jitter
 * (0.5 s doubling to 15 s, reset once a connection has delivered data), and knows how fresh its data
 * is. State: `connecting` → `live` (messages arriving) → `quiet` (connected, nothing for
 * `staleAfterMs`) ; `reconnecting` after a loss.
 * @module
 */

/** @typedef {"connecting" | "live" | "quiet" | "reconnecting"} StreamState */

/** One `/stream` WebSocket with reconnection and freshness tracking. */
export class LiveStream {
  /**
   * @param {object} o
   * @param {string} o.domain relay domain (`market-data`, `signal`, `execution`, `system`)
   * @param {readonly number[]} o.types TLV types (empty: all of the domain)
   * @param {string} o.token API token (sent as `?token=`: browsers cannot set WebSocket headers)
   * @param {number} o.staleAfterMs
   * @param {(msg: any) => void} o.onMessage one decoded PROTOCOL §7 message
   * @param {(state: StreamState) => void} o.onState
   * @param {() => void} [o.onOpen] each time the socket opens (before its first message)
   */
  constructor(o) {
    this.domain = o.domain;
    this.types = o.types;
    this.token = o.token;
    this.staleAfterMs = o.staleAfterMs;
    this.onMessage = o.onMessage;
    this.onState = o.onState;
    this.onOpen = o.onOpen ?? (() => {});
    /** @type {StreamState} */
    this.state = "connecting";
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.attempt = 0;
    this.lastMessageAt = 0;
    this.connectedAt = 0;
    this.messages = 0;
    this.reconnects = 0;
    this.undecodable = 0;
    this.stopped = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
  }

  /** Opens the socket (and keeps it open until {@link stop}). */
  start() {
    this.stopped = false;
    this.open();
  }

  /** Closes for good. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, "dashboard closed");
    this.ws = undefined;
  }

  /** Re-evaluates live/quiet; call about once a second. @param {number} now */
  refresh(now) {
    if (this.state === "live" && now - Math.max(this.lastMessageAt, this.connectedAt) > this.staleAfterMs) this.setState("quiet");
  }

  /** True when the data shown may be out of date. @param {number} now */
  isStale(now) {
    return this.state !== "live" || now - this.lastMessageAt > this.staleAfterMs;
  }

  /** @private */
  open() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const q = new URLSearchParams({ domain: this.domain, token: this.token });
    if (this.types.length > 0) q.set("types", this.types.join(","));
    this.setState(this.reconnects > 0 || this.attempt > 0 ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/stream?${q}`);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.connectedAt = Date.now();
      this.onOpen();
      this.setState("live");
    };
    ws.onmessage = (event) => {
      let msg;
      try {
        msg = JSON.parse(typeof event.data === "string" ? event.data : "");
      } catch {
        this.undecodable++;
        return;
      }
      this.lastMessageAt = Date.now();
      this.messages++;
      this.attempt = 0;
      if (this.state !== "live") this.setState("live");
      this.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (!this.stopped) this.retry();
    };
  }

  /** @private */
  retry() {
    if (this.connectedAt && Date.now() - this.connectedAt > 10_000) this.attempt = 0;
    const base = Math.min(15_000, 500 * 2 ** this.attempt);
    const delay = base * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.reconnects++;
    this.connectedAt = 0;
    this.setState("reconnecting");
    this.timer = setTimeout(() => this.open(), delay);
  }

  /** @private @param {StreamState} state */
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }
}
