/**
 * `GET /alerts` (bearer token): what the API's own alert evaluation finds firing, oldest first, each with
 * its name, severity, labels, summary and since. The dashboard's banner reads it.
 *
 * @module
 */

import type { Hono } from "hono";
import { requireBearer } from "../auth.ts";
import { describe } from "../openapi/describe.ts";
import { AlertsSchema } from "../schemas.ts";
import type { FiringAlert } from "./evaluator.ts";

/** Registers `GET /alerts`; `firing` is undefined when alerting is disabled (then the list is empty and says so). */
export function registerAlertRoutes(app: Hono, token: string, firing: (() => FiringAlert[]) | undefined): void {
  app.get("/alerts", describe({ summary: "Alerts firing now", tag: "system", ok: AlertsSchema }), requireBearer(token), (c) => c.json({ enabled: firing !== undefined, alerts: firing?.() ?? [] }));
}
