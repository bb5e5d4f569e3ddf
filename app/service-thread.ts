/**
 * Entry script of a service's worker thread in the threads deployment (`ap start --threads`): installs
 * this runtime's platform, as every entry does, then hosts the service the main thread names with this
 * app's registry (runtime/threads/service-thread.ts).
 *
 * @module
 */

import { installRuntimePlatform } from "./platform/select.ts";
import { runServiceThread } from "../runtime/threads/service-thread.ts";
import { serviceRegistry } from "./service-registry.ts";

installRuntimePlatform();
await runServiceThread(serviceRegistry);
