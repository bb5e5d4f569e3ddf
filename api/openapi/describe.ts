/**
 * OpenAPI descriptions of the API's routes, from the same valibot schemas the routes validate and check
 * their answers with (`hono-openapi` + `@valibot/to-json-schema`): {@link describe} returns the
 * `describeRoute` middleware a route is registered with, so `/openapi.json` lists exactly the routes
 * the app has.
 *
 * @example
 * ```ts
 * app.get("/stats", describe({ summary: "Live figures", tag: "system", ok: StatsSchema }), handler);
 * ```
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import type { GenericSchema } from "valibot";
import { toJsonSchema } from "@valibot/to-json-schema";
import { ErrorSchema } from "../schemas/common.ts";

/** The answer of a route that is not JSON (text, HTML, a file, a WebSocket upgrade). */
export interface NonJsonAnswer {
  /** Media type (`text/plain`, `text/html`); none for an upgrade. */
  media?: string;
  /** HTTP status of success (default 200). */
  status?: number;
  description: string;
}

/** What {@link describe} needs to know of a route. */
export interface RouteDescription {
  summary: string;
  /** Group shown in the docs (`system`, `trading`, `stream`, `docs`, `dashboard`). */
  tag: string;
  description?: string;
  /** Whether the bearer token is required (default true). */
  auth?: boolean;
  /** Schema of the 200 JSON answer, or a non-JSON answer. */
  ok: GenericSchema | NonJsonAnswer;
  /** Request body schema (JSON). */
  body?: GenericSchema;
  /** Path parameters: name → schema (a picklist lists the values). */
  path?: Record<string, GenericSchema>;
  /** Query parameters, as one valibot object schema. */
  query?: GenericSchema;
  /** Error statuses beyond 401 (with auth) and 500. */
  errors?: number[];
  /** Further statuses whose body has the `ok` schema (e.g. 503 of a degraded `/health`). */
  alsoOk?: number[];
}

const ERROR_TEXT: Record<number, string> = {
  400: "Bad request: the issue's path and message.",
  401: "Missing or wrong bearer token.",
  404: "Not found (an unknown name, or no such part of the system).",
  413: "Request body too large.",
  500: "Internal error.",
  503: "A service the answer needs is unavailable or timed out.",
};

function jsonContent(schema: GenericSchema) {
  return { "application/json": { schema: resolver(schema, { errorMode: "ignore" }) } };
}

function isSchema(x: GenericSchema | NonJsonAnswer): x is GenericSchema {
  return "kind" in x && (x as { kind: unknown }).kind === "schema";
}

/** OpenAPI parameter objects of a valibot object schema (`in` query or path). */
function parametersOf(where: "query" | "path", schema: GenericSchema): object[] {
  const json = toJsonSchema(schema, { errorMode: "ignore" }) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: s,
  }));
}

/** The `describeRoute` middleware of a route. */
export function describe(d: RouteDescription): MiddlewareHandler {
  const auth = d.auth ?? true;
  const responses: Record<string, unknown> = {};
  if (isSchema(d.ok)) {
    responses["200"] = { description: "OK", content: jsonContent(d.ok) };
    for (const status of d.alsoOk ?? []) responses[String(status)] = { description: ERROR_TEXT[status] ?? "See the body", content: jsonContent(d.ok) };
  }
  else {
    responses[String(d.ok.status ?? 200)] = d.ok.media === undefined
      ? { description: d.ok.description }
      : { description: d.ok.description, content: { [d.ok.media]: { schema: { type: "string" } } } };
  }
  for (const status of [...(auth ? [401] : []), ...(d.errors ?? []), 500]) {
    responses[String(status)] = { description: ERROR_TEXT[status] ?? "Error", content: jsonContent(ErrorSchema) };
  }
  const parameters = [
    ...(d.path ? Object.entries(d.path).map(([name, s]) => ({ name, in: "path", required: true, schema: toJsonSchema(s, { errorMode: "ignore" }) })) : []),
    ...(d.query ? parametersOf("query", d.query) : []),
  ];
  return describeRoute({
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    tags: [d.tag],
    security: auth ? [{ bearer: [] }] : [],
    ...(parameters.length > 0 ? { parameters: parameters as never } : {}),
    ...(d.body ? { requestBody: { required: true, content: jsonContent(d.body) } } : {}),
    responses: responses as never,
  });
}
