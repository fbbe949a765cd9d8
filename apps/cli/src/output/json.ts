/** One JSON document, indented, newline-terminated: what `--json` writes on stdout. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value ?? null, null, 2)}\n`;
}
