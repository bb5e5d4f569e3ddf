import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { substituteEnv } from "../../runtime/config/env.ts";
import { ConfigError, parseConfig } from "../../runtime/config/load.ts";

const Schema = v.object({
  api: v.object({ host: v.string(), port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)) }),
  relays: v.array(v.object({ name: v.string(), queueBytes: v.pipe(v.number(), v.minValue(1024)) })),
});

describe("config loading", () => {
  it("substitutes ${ENV} and ${ENV:-default}", () => {
    expect(substituteEnv("a: ${A}\nb: ${B:-x y}\nc: $${C}", { A: "1" })).toBe("a: 1\nb: x y\nc: ${C}");
  });

  it("leaves ${ENV} in YAML comments alone", () => {
    expect(substituteEnv("# uses ${NAME}\na: ${A:-1} # or ${B}\nb: \"x # ${C:-2}\"", {})).toBe("# uses ${NAME}\na: 1 # or ${B}\nb: \"x # 2\"");
  });

  it("names the variable and line of a missing ${ENV}", () => {
    expect(() => substituteEnv("a: 1\nb: ${SECRET_TOKEN}", {})).toThrow(/line 2: environment variable SECRET_TOKEN/);
  });

  it("parses a valid document with env values", () => {
    const c = parseConfig("api: { host: 127.0.0.1, port: ${PORT:-8080} }\nrelays: [{ name: md, queueBytes: 4096 }]", Schema, {});
    expect(c).toEqual({ api: { host: "127.0.0.1", port: 8080 }, relays: [{ name: "md", queueBytes: 4096 }] });
  });

  it("reports the path and reason of an invalid value", () => {
    const text = "api: { host: h, port: 8080 }\nrelays:\n  - { name: a, queueBytes: 4096 }\n  - { name: b, queueBytes: 10 }";
    let err: unknown;
    try {
      parseConfig(text, Schema, {}, "cfg.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe("relays[1].queueBytes");
    expect((err as ConfigError).message).toMatch(/^cfg\.yaml at relays\[1\]\.queueBytes: /);
  });

  it("reports YAML syntax errors with the line", () => {
    expect(() => parseConfig("api: {\n  host: [", Schema, {}, "bad.yaml")).toThrow(/^bad\.yaml: YAML line \d+/);
  });
});

describe("the shipped configs", () => {
  it("config/default.yaml and config/live.yaml load with an empty environment", async () => {
    const { readFileSync } = await import("node:fs");
    const { AppConfigSchema } = await import("../../runtime/config/schema.ts");
    const root = new URL("../../", import.meta.url);
    const demo = parseConfig(readFileSync(new URL("config/default.yaml", root), "utf8"), AppConfigSchema, {});
    expect(demo.runtimeDir).toBe("");
    expect(demo.api.port).toBe(8080);
    expect(demo.services.map((s) => s.kind).sort()).toEqual(["adapter", "adapter", "adapter", "adapter", "execution", "strategy", "strategy"]);
    const live = parseConfig(readFileSync(new URL("config/live.yaml", root), "utf8"), AppConfigSchema, {});
    expect(live.services.find((s) => s.name === "adapter-polygon")?.requiresEnv).toEqual(["POLYGON_WS_URL", "POLYGON_RPC_URL"]);
    expect(live.services.every((s) => !("replay" in s.options))).toBe(true);
  });
});
