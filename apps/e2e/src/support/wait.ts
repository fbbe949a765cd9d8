/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A topic prefix no other test file uses, so parallel test files on one broker do not see each other's events. */
export function uniquePrefix(name: string): string {
  return `e2e.${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}.`;
}
