/**
 * EVM default live endpoints and their settings: the public defaults have the right form (they cannot
 * be reached from the test machine), a bad or empty URL is refused with a message naming the setting,
 * and config/live.yaml starts each chain's adapter only when both of its URLs are set.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_ENDPOINTS, ENDPOINT_SETTINGS, ethereumVenue, evmEndpoint, polygonVenue } from "../../../adapters/evm/mod.ts";
import { CollectingSink } from "../../../adapters/common/sink.ts";
import { parseConfig } from "../../../runtime/config/load.ts";
import { AppConfigSchema } from "../../../runtime/config/schema.ts";

describe("EVM endpoints", () => {
  it("defaults to PublicNode's Polygon (Bor) and Ethereum nodes: wss:// for eth_subscribe, https:// for JSON-RPC, one host per chain", () => {
    expect(DEFAULT_ENDPOINTS).toEqual({
      polygon: { ws: "wss://polygon-bor-rpc.publicnode.com", http: "https://polygon-bor-rpc.publicnode.com" },
      ethereum: { ws: "wss://ethereum-rpc.publicnode.com", http: "https://ethereum-rpc.publicnode.com" },
    });
    for (const e of Object.values(DEFAULT_ENDPOINTS)) {
      const ws = new URL(e.ws);
      const http = new URL(e.http);
      expect([ws.protocol, http.protocol]).toEqual(["wss:", "https:"]);
      expect(ws.host).toBe(http.host);
      expect(ws.pathname).toBe("/");
    }
  });

  it("uses the given URLs, or the defaults when none are given", async () => {
    const a = await polygonVenue.create({ sink: new CollectingSink(), wsUrl: "wss://node.example/ws", restUrl: "https://node.example/rpc" });
    expect(a.url()).toBe("wss://node.example/ws");
    const b = await ethereumVenue.create({ sink: new CollectingSink() });
    expect(b.url()).toBe(DEFAULT_ENDPOINTS.ethereum.ws);
    expect(evmEndpoint("ethereum", "http", undefined)).toBe(DEFAULT_ENDPOINTS.ethereum.http);
    expect(evmEndpoint("polygon", "ws", "ws://127.0.0.1:8546")).toBe("ws://127.0.0.1:8546");
  });

  it("refuses an empty, malformed or wrong-kind URL with a message naming what to set, without echoing the URL", async () => {
    await expect(polygonVenue.create({ sink: new CollectingSink(), wsUrl: "" })).rejects.toThrow(RangeError);
    expect(() => evmEndpoint("polygon", "ws", "")).toThrow(/polygon: the node's WebSocket URL \(eth_subscribe\) is empty — set POLYGON_WS_URL in config\/live\.yaml, or --ws-url \/ ALPHAPULSE_POLYGON_WS_URL/);
    expect(() => evmEndpoint("polygon", "http", " ")).toThrow(/POLYGON_RPC_URL.*ALPHAPULSE_POLYGON_REST_URL/);
    expect(() => evmEndpoint("ethereum", "ws", "https://eth.example/v2/SECRETKEY")).toThrow(/must start with wss:\/\/ \(or ws:\/\/\), not https:\/\/ — check ETHEREUM_WS_URL/);
    expect(() => evmEndpoint("ethereum", "http", "wss://eth.example/v2/SECRETKEY")).toThrow(/must start with https:\/\//);
    expect(() => evmEndpoint("ethereum", "http", "eth.example/SECRETKEY")).toThrow(/is not a URL — check ETHEREUM_RPC_URL/);
    for (const bad of ["https://eth.example/v2/SECRETKEY", "eth.example/SECRETKEY"]) {
      try {
        evmEndpoint("ethereum", "ws", bad);
      } catch (e) {
        expect((e as Error).message).not.toContain("SECRETKEY");
      }
    }
  });

  it("config/live.yaml: each chain's adapter needs both of its variables, and takes its URLs from them", () => {
    const text = readFileSync(new URL("../../../config/live.yaml", import.meta.url), "utf8");
    const bare = parseConfig(text, AppConfigSchema, {});
    for (const chain of ["polygon", "ethereum"] as const) {
      const svc = bare.services.find((s) => s.name === `adapter-${chain}`)!;
      expect(svc.requiresEnv).toEqual([ENDPOINT_SETTINGS[chain].ws, ENDPOINT_SETTINGS[chain].http]);
      expect(svc.options).toMatchObject({ venue: chain, wsUrl: null, restUrl: null }); // `${X:-}` unset → an empty YAML value
      expect(() => evmEndpoint(chain, "ws", svc.options.wsUrl as null)).toThrow(new RegExp(`${ENDPOINT_SETTINGS[chain].ws} in config/live\\.yaml`));
    }
    const env = { POLYGON_WS_URL: "wss://p.example", POLYGON_RPC_URL: "https://p.example", ETHEREUM_WS_URL: "wss://e.example", ETHEREUM_RPC_URL: "https://e.example" };
    const set = parseConfig(text, AppConfigSchema, env);
    expect(set.services.find((s) => s.name === "adapter-polygon")!.options).toMatchObject({ wsUrl: "wss://p.example", restUrl: "https://p.example" });
    expect(set.services.find((s) => s.name === "adapter-ethereum")!.options).toMatchObject({ wsUrl: "wss://e.example", restUrl: "https://e.example" });
  });
});
