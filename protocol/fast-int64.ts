/**
 * Fast unaligned little-endian 64-bit reads and writes for the hot paths (builder, zero-copy view),
 * unchecked (the range-checked writers and the wider integers are in wide-ints.ts), and the write of a
 * safe-integer `number` as a 64-bit field ({@link setSafeInt64}).
 *
 * Why not just `DataView.getBigInt64`/`setBigInt64`: in Node 20's V8 (11.x) they are a builtin call
 * each, ~20 ns; moving the two 32-bit halves through a `BigInt64Array` scratch costs a few ns there.
 * Newer V8 (Deno 2's) inlines the DataView BigInt accessors, and its reads are then faster than the
 * scratch, so reads pick their path once at load by the V8 major version (when the runtime reports
 * one); writes use the scratch everywhere (measured equal on Deno). Values are identical either way.
 * See `bench/protocol.bench.ts`.
 *
 * @module
 */

const SCRATCH_I64 = new BigInt64Array(1);
const SCRATCH_U64 = new BigUint64Array(SCRATCH_I64.buffer);
const SCRATCH_U32 = new Uint32Array(SCRATCH_I64.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN_HOST ? 0 : 1;
const HI = 1 - LO;

/**
 * Major version of the V8 engine running this code, 0 where the host does not say. Node and Deno 2 both
 * report it as `process.versions.v8` (Deno through its Node compatibility global).
 */
function v8Major(): number {
  const version = (globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8;
  return version === undefined ? 0 : Number.parseInt(version, 10);
}

/** True where DataView BigInt reads are a slow builtin call (V8 ≤ 11, i.e. Node 20). */
const SCRATCH_READS = (() => {
  const major = v8Major();
  return major > 0 && major <= 11;
})();

/** u64 (little-endian) at absolute offset `off` of `dv`. */
export function getU64(dv: DataView, off: number): bigint {
  if (!SCRATCH_READS) return dv.getBigUint64(off, true);
  SCRATCH_U32[LO] = dv.getUint32(off, true);
  SCRATCH_U32[HI] = dv.getUint32(off + 4, true);
  return SCRATCH_U64[0]!;
}

/** i64 (little-endian) at absolute offset `off` of `dv`. */
export function getI64(dv: DataView, off: number): bigint {
  if (!SCRATCH_READS) return dv.getBigInt64(off, true);
  SCRATCH_U32[LO] = dv.getUint32(off, true);
  SCRATCH_U32[HI] = dv.getUint32(off + 4, true);
  return SCRATCH_I64[0]!;
}

/**
 * Writes the low 64 bits of `v` (little-endian) at `off`: exactly what `setBigInt64` and
 * `setBigUint64` write (both take the value modulo 2^64), so it serves i64 and u64 alike.
 * Range checks are the caller's.
 */
export function set64(dv: DataView, off: number, v: bigint): void {
  SCRATCH_I64[0] = v;
  dv.setUint32(off, SCRATCH_U32[LO]!, true);
  dv.setUint32(off + 4, SCRATCH_U32[HI]!, true);
}

const TWO32 = 4_294_967_296;

/**
 * Writes a safe integer `v` (little-endian two's complement) at `off`: the same 8 bytes as
 * `setBigInt64`/`setBigUint64` of `BigInt(v)`, without building the bigint. Exact (the division by
 * 2^32 does not round) for every safe integer, and for any integer `number` of magnitude below 2^64.
 * Unchecked: `v` must be such an integer (the caller checks).
 *
 * @example
 * ```ts
 * const dv = new DataView(new ArrayBuffer(8));
 * setSafeInt64(dv, 0, 2 ** 40 + 7); // dv.getBigUint64(0, true) === 2n ** 40n + 7n
 * ```
 */
export function setSafeInt64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v >>> 0, true);
  dv.setUint32(off + 4, Math.floor(v / TWO32) >>> 0, true);
}
