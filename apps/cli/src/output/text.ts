/**
 * Text formatting for human output. Values come from the authority and, through it, from
 * whoever typed a reason or a subject: control and bidi characters are replaced so nothing
 * printed can move the cursor, recolour the terminal or hide text.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with terminal control and bidi-override characters replaced by `?`. */
export function clean(text: string): string {
  return text.replace(UNSAFE_CHARS, '?');
}

/** `revoked_at` → `revoked at`; `requestedBy` → `requested by`. */
export function labelOf(key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, (_m, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** Epoch ms → ISO 8601 UTC; `-` when absent. */
export function formatTime(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '-';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** A duration for people: `42 ms`, `1.3 s`, `4 min 05 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)} s`;
  const s = Math.floor(abs / 1000);
  if (s < 3600) return `${sign}${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${sign}${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** Keys whose numeric value is an epoch-seconds time (JWT `iat`-style). */
const SECONDS_KEY = /(^|_)iat$/;
/** Keys whose numeric value is an epoch-milliseconds time (`*_at`, and camelCase `engagedAt`, `issuedAtOrBefore`). */
const MILLIS_KEY = /(^|_)(at|after|before|until)$|[a-z](At|After|Before|Until)$/;

/** Formats any JSON value for a table cell or a key/value line, reading times from key names. */
export function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    if (SECONDS_KEY.test(key)) return formatTime(value * 1000);
    if (MILLIS_KEY.test(key)) return formatTime(value);
    return String(value);
  }
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value) && value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) {
    return value.length === 0 ? '-' : clean(value.map((v) => String(v)).join(', '));
  }
  return clean(JSON.stringify(value));
}
