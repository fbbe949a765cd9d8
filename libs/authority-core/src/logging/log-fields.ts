/** Structured log fields describing an error: its class, stable code if any, and message. */
export function logErrorFields(error: unknown): Record<string, unknown> {
  // Duck-typed: errors from native addons may come from another realm and fail `instanceof Error`.
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { name, code, message } = error as { name?: unknown; code?: unknown; message: string };
    return { error: typeof name === 'string' ? name : 'Error', ...(typeof code === 'string' ? { code } : {}), message };
  }
  return { error: String(error) };
}
