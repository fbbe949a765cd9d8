/** Longest justification accepted, characters (after trimming). */
export const MAX_JUSTIFICATION_LENGTH = 1000;

export type JustificationCheck =
  | { readonly ok: true; readonly justification: string }
  | { readonly ok: false; readonly detail: string };

/**
 * Takes the `justification` member out of a write request's JSON body: the route's own schema
 * (strict, written before justifications existed) then never sees it, and the audit context
 * gets it instead. The body is left untouched when the justification is refused.
 */
export function takeJustification(body: unknown, minLength: number): JustificationCheck {
  const requirement = `a "justification" string of ${minLength}..${MAX_JUSTIFICATION_LENGTH} characters in the JSON body`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, detail: `write actions need ${requirement}` };
  }
  const value = (body as Record<string, unknown>)['justification'];
  if (typeof value !== 'string') return { ok: false, detail: `write actions need ${requirement}` };
  const justification = value.trim();
  // Characters are code points (as JSON Schema's minLength counts them), not UTF-16 units: an emoji is one.
  const length = [...justification].length;
  if (length < minLength || length > MAX_JUSTIFICATION_LENGTH) {
    return { ok: false, detail: `the justification has ${length} characters; write actions need ${requirement}` };
  }
  delete (body as Record<string, unknown>)['justification'];
  return { ok: true, justification };
}
