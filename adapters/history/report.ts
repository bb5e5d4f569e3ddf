/**
 * What an import reports: per input file, rows read, messages written and bad rows — each bad row with
 * its file, line and reason. Nothing is skipped silently: every row that produced no message for a
 * reason other than being a header/blank/comment line is a bad row here.
 *
 * @example
 * ```ts
 * const report = new ImportReport();
 * const f = report.file("trades.csv");
 * f.rows++;
 * f.bad(17, "price \"abc\" is not a decimal");
 * report.summaryLines(); // ["trades.csv: 1 rows → 0 messages, 1 bad", …]
 * ```
 * @module
 */

/** One bad row: where and why. */
export interface BadRow {
  /** Input file as named on the command line. */
  readonly file: string;
  /** 1-based line number in that file. */
  readonly line: number;
  /** What was wrong. */
  readonly reason: string;
}

/** Counters of one input file. */
export class FileReport {
  /** The file as named by the user. */
  readonly file: string;
  /** Data rows (or events) read, bad ones included. */
  rows = 0;
  /** Protocol messages written for this file. */
  messages = 0;
  /** Bad rows, counted (every one) — details kept for the first {@link ImportReport.maxDetails}. */
  badCount = 0;
  /** Format detected (tardis: `trades`, `quotes`, `book_snapshot_5`, …). */
  format = "";
  private readonly owner: ImportReport;

  /** @internal use {@link ImportReport.file} */
  constructor(owner: ImportReport, file: string) {
    this.owner = owner;
    this.file = file;
  }

  /** Records a bad row. */
  bad(line: number, reason: string): void {
    this.badCount++;
    this.owner.noteBad({ file: this.file, line, reason });
  }

  /** `FILE (format): R rows → M messages, B bad`. */
  summary(): string {
    return `${this.file}${this.format ? ` (${this.format})` : ""}: ${this.rows} rows → ${this.messages} messages, ${this.badCount} bad`;
  }
}

/** Counters of a whole import. */
export class ImportReport {
  /** Bad rows whose details are kept (all are counted). */
  readonly maxDetails: number;
  /** Per input file, in the order given. */
  readonly files: FileReport[] = [];
  /** Details of the first {@link maxDetails} bad rows. */
  readonly badRows: BadRow[] = [];
  /** Notes that are not bad rows (a log without a block time, …). */
  readonly notes: string[] = [];

  /** @param maxDetails bad rows whose details are kept (default 1000) */
  constructor(maxDetails = 1000) {
    this.maxDetails = maxDetails;
  }

  /** The counters of `file` (created on first use). */
  file(file: string): FileReport {
    let f = this.files.find((x) => x.file === file);
    if (f === undefined) this.files.push((f = new FileReport(this, file)));
    return f;
  }

  /** @internal */
  noteBad(row: BadRow): void {
    if (this.badRows.length < this.maxDetails) this.badRows.push(row);
  }

  /** Bad rows over all files. */
  get badCount(): number {
    return this.files.reduce((n, f) => n + f.badCount, 0);
  }

  /** Messages over all files. */
  get messages(): number {
    return this.files.reduce((n, f) => n + f.messages, 0);
  }

  /** Rows over all files. */
  get rows(): number {
    return this.files.reduce((n, f) => n + f.rows, 0);
  }

  /** One summary line per file. */
  summaryLines(): string[] {
    return this.files.map((f) => f.summary());
  }

  /** `file:line: reason` for each kept bad row, then a count of the ones not shown. */
  badLines(limit = this.maxDetails): string[] {
    const out = this.badRows.slice(0, limit).map((b) => `${b.file}:${b.line}: ${b.reason}`);
    const more = this.badCount - Math.min(limit, this.badRows.length);
    if (more > 0) out.push(`… and ${more} more bad rows`);
    return out;
  }
}
