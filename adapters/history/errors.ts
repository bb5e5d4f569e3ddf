/**
 * Typed failures of an import that stop it (as opposed to a bad row, which is counted and reported in
 * {@link ImportReport}): an unreadable file, a header that is no known format, an output that cannot be
 * written.
 *
 * @module
 */

/** Why an import stopped. */
export const ImportErrorKind = {
  /** The input file cannot be opened or read. */
  Unreadable: "Unreadable",
  /** The first line is not a header of a known format. */
  UnknownFormat: "UnknownFormat",
  /** The output recording cannot be written. */
  OutputFailed: "OutputFailed",
  /** An option has a value the importer cannot use. */
  BadOption: "BadOption",
} as const;
/** An {@link ImportErrorKind} value. */
export type ImportErrorKind = (typeof ImportErrorKind)[keyof typeof ImportErrorKind];

/** An import that cannot go on, with what, where and why. */
export class ImportError extends Error {
  /** What kind of failure. */
  readonly kind: ImportErrorKind;
  /** File concerned (may be empty for options). */
  readonly file: string;
  /** 1-based line, 0 when not about one line. */
  readonly line: number;

  /**
   * @param kind what kind of failure
   * @param file file concerned
   * @param line 1-based line (0: none)
   * @param message what went wrong and how to fix it
   */
  constructor(kind: ImportErrorKind, file: string, line: number, message: string, options?: { cause?: unknown }) {
    super(`${file}${line > 0 ? `:${line}` : ""}${file ? ": " : ""}${message}`, options);
    this.name = "ImportError";
    this.kind = kind;
    this.file = file;
    this.line = line;
  }
}
