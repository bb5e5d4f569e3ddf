/**
 * The literal field tables of protocol/fields.ts against the TLV registry (protocol/tlv-schema.ts): every
 * fixed field of every TLV has its offset in the table under its own name (an instrument as its three parts),
 * and nothing else is there. A slip in either place fails here.
 */
import { describe, expect, it } from "vitest";
import * as fields from "../../protocol/fields.ts";
import { TLV_SPECS } from "../../protocol/tlv-schema.ts";

describe("field tables", () => {
  it("match the registry's offsets for every TLV with fixed fields", () => {
    const tables = fields as unknown as Record<string, Record<string, number>>;
    const expected = new Set<string>();
    for (const spec of TLV_SPECS) {
      if (spec.fields.length === 0) continue;
      const want: Record<string, number> = {};
      for (const f of spec.fields) {
        if (f.kind === "instrument") Object.assign(want, { assetId: f.off, venue: f.off + 8, assetType: f.off + 10 });
        else want[f.name] = f.off;
      }
      expected.add(`${spec.name}Field`);
      expect(tables[`${spec.name}Field`], spec.name).toEqual(want);
    }
    expect(new Set(Object.keys(fields))).toEqual(expected);
  });

  it("keeps the instrument parts where PROTOCOL.md §4 puts them in an OrderRequest and a Fill", () => {
    expect([fields.OrderRequestField.assetId, fields.OrderRequestField.venue, fields.OrderRequestField.assetType]).toEqual([8, 16, 18]);
    expect([fields.FillField.price, fields.FillField.quantity, fields.FillField.fee, fields.FillField.filledAt]).toEqual([24, 32, 40, 48]);
  });
});
