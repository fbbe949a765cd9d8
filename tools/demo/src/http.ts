/** Tiny JSON-over-fetch helpers for the demo's HTTP calls. */
export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function requestJson(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body };
}
