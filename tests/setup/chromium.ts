/**
 * Headless Chromium for the browser tests (dashboard, `/docs`, the backtest's report.html): Debian's
 * `chromium` (`CHROMIUM_PATH` to choose another) driven by playwright-core.
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { chromium, type Browser } from "playwright-core";

/** Where the browser is looked for. */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** A launched browser, or why there is none (missing, or it would not start). */
export async function launchChromium(): Promise<Browser | string> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install Debian's "chromium" package, as .ci/run does)`;
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (e) {
    return `Chromium at ${CHROMIUM} could not be launched: ${(e as Error).message.split("\n")[0]}`;
  }
}
