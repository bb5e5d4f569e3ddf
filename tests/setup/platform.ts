/**
 * vitest setup file (`setupFiles` in vitest.config.ts), run before every test file on Node and on Deno:
 * installs the platform of the running runtime, as `main.ts` does for the CLI, so the code under test
 * finds its transport, spawner, HTTP serving and WebSocket client.
 *
 * @module
 */

import { installRuntimePlatform } from "../../app/platform/select.ts";

installRuntimePlatform();
