/** What a connection under test delivered, gathered by {@link gather}. */
import type { Connection } from "../../../relay/transport/types.ts";

/** Every chunk and byte a connection delivered, its closes and drains, in order. */
export interface Seen {
  bytes: number[];
  chunks: Uint8Array[];
  closes: (Error | undefined)[];
  drains: number;
}

/** Installs handlers on `conn` that record into the returned {@link Seen}. */
export function gather(conn: Connection): Seen {
  const st: Seen = { bytes: [], chunks: [], closes: [], drains: 0 };
  conn.setHandlers({
    data: (c) => {
      st.chunks.push(c);
      for (const b of c) st.bytes.push(b);
    },
    drain: () => st.drains++,
    close: (e) => st.closes.push(e),
  });
  return st;
}
