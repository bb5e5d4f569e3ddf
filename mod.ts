/**
 * AlphaPulse public API. The protocol is also importable on its own from `protocol/mod.ts`.
 *
 * @module
 */

export * from "./protocol/mod.ts";
