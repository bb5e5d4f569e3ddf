import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ControlError, callControl, connectControl, serveControl } from "../../runtime/control/channel.ts";

const dir = mkdtempSync(join(tmpdir(), "ap-ctl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("control channel over a real Unix socket", () => {
  it("calls handlers and carries typed errors back", async () => {
    const path = join(dir, "a.ctl");
    let state = "ACTIVE";
    const server = await serveControl(path, {
      setKillSwitch: async (args) => (state = args.engaged ? "HALTED" : "ACTIVE"),
      fail: async () => {
        throw new ControlError("NotFound", "strategy \"x\" not found");
      },
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const client = await connectControl(path);
    expect(await client.call("setKillSwitch", { engaged: true })).toBe("HALTED");
    expect(state).toBe("HALTED");
    await expect(client.call("fail")).rejects.toMatchObject({ kind: "NotFound", message: "strategy \"x\" not found" });
    await expect(client.call("nope")).rejects.toMatchObject({ kind: "BadRequest" });
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call("setKillSwitch", { engaged: i % 2 === 0 })));
    expect(many.filter((s) => s === "HALTED")).toHaveLength(25);
    client.close();
    await server.close();
  });

  it("reports Unavailable when nothing listens and Timeout when a handler hangs", async () => {
    await expect(callControl(join(dir, "missing.ctl"), "x")).rejects.toMatchObject({ kind: "Unavailable" });
    const path = join(dir, "slow.ctl");
    const server = await serveControl(path, { hang: () => new Promise(() => {}) });
    await expect(callControl(path, "hang", {}, 200)).rejects.toMatchObject({ kind: "Timeout" });
    await server.close();
  });

  it("fails pending calls when the server goes away", async () => {
    const path = join(dir, "gone.ctl");
    const server = await serveControl(path, { hang: () => new Promise(() => {}) });
    const client = await connectControl(path);
    const call = client.call("hang", {}, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    await expect(call).rejects.toMatchObject({ kind: "Unavailable" });
  });
});
