/**
 * valibot schemas of the control API's responses and request inputs, one file per resource under
 * `api/schemas/`. Responses are checked against them before they leave (a shape regression is a 500
 * naming the path, not a silent contract change); bad requests get 400 with the path; the
 * OpenAPI document (`/openapi.json`) is generated from the same schemas.
 *
 * @module
 */

export * from "./schemas/common.ts";
export * from "./schemas/system.ts";
export * from "./schemas/trading.ts";
export * from "./schemas/portfolio.ts";
export * from "./schemas/stream.ts";
