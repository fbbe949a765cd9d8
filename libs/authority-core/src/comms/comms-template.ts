import Mustache from 'mustache';

/**
 * The named placeholders a message template may use, each filled from the incident when the
 * message is rendered (see `incident-facts.ts`). A template naming anything else is refused when
 * the policy is loaded, so a typo never reaches an audience as an empty gap.
 */
export const COMMS_PLACEHOLDERS = {
  incidentId: "the incident's id",
  title: "the incident's title",
  severity: 'low, medium, high or critical',
  status: 'open, contained or resolved',
  kind: 'incident or drill',
  owner: 'the operator who owns the response',
  audience: 'the audience of this message (engineers, security, customers)',
  openedAt: 'when the incident was opened (ISO 8601, UTC)',
  containedAt: 'when every affected live instance had applied the containing actions (ISO 8601, UTC); empty while not contained',
  resolvedAt: 'when the incident was resolved (ISO 8601, UTC); empty while not resolved',
  affectedAudiences: 'the affected services (audiences), comma-separated; empty while none is known',
  whatToDo: "what the audience should do: the sender's text, else the policy's comms.whatToDo for the audience",
} as const;
export type CommsPlaceholder = keyof typeof COMMS_PLACEHOLDERS;

/** The values a template is rendered with: every placeholder, as text. */
export type CommsFacts = Readonly<Record<CommsPlaceholder, string>>;

const KNOWN = new Set<string>(Object.keys(COMMS_PLACEHOLDERS));

/** Mustache token kinds: a variable, an unescaped variable, a section, an inverted section, a partial. */
type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

function namesIn(tokens: readonly Token[], into: { names: string[]; partials: string[] }): void {
  for (const token of tokens) {
    const [type, value, , , children] = token;
    if (type === 'name' || type === '&' || type === '{' || type === '#' || type === '^') into.names.push(value);
    if (type === '>') into.partials.push(value);
    if ((type === '#' || type === '^') && Array.isArray(children)) namesIn(children, into);
  }
}

/**
 * What is wrong with a template, in words an operator editing the policy understands: a syntax
 * error (an unclosed tag or section), a partial (`{{> x}}`, never loaded), or each placeholder
 * that is not one of {@link COMMS_PLACEHOLDERS} (named, with the known ones listed). Empty when
 * the template is usable.
 */
export function templateErrors(template: string): string[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as unknown as Token[];
  } catch (error) {
    return [`is not a valid template: ${(error as Error).message}`];
  }
  const found = { names: [] as string[], partials: [] as string[] };
  namesIn(tokens, found);
  const errors = found.partials.map((p) => `uses the partial {{> ${p}}}: templates cannot include others`);
  const unknown = [...new Set(found.names.filter((n) => !KNOWN.has(n)))];
  for (const name of unknown) errors.push(`names the unknown placeholder {{${name}}}; known placeholders: ${[...KNOWN].join(', ')}`);
  return errors;
}

/** Markdown is not HTML: values are inserted as they are. */
const AS_IS = { escape: (value: unknown) => String(value) };

/**
 * Renders a template (Markdown) with the incident's facts. Logic-less: `{{name}}` inserts a value
 * as it is (no HTML escaping), `{{#name}}…{{/name}}` shows its content only when the value is not
 * empty, `{{^name}}…{{/name}}` only when it is.
 *
 * @throws {TypeError} for a template {@link templateErrors} refuses (the policy never holds one).
 */
export function renderTemplate(template: string, facts: CommsFacts): string {
  const errors = templateErrors(template);
  if (errors.length > 0) throw new TypeError(`invalid message template: ${errors.join('; ')}`);
  return Mustache.render(template, facts, {}, AS_IS);
}
