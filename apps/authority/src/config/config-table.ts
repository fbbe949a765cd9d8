import { CONFIG_VARIABLES } from './config.variables';

/** The configuration reference as a Markdown table, for the README. Generated, so it cannot drift. */
export function renderConfigTable(): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const rows = Object.entries(CONFIG_VARIABLES).map(([name, v]) => {
    const spec = v as { default?: string; required?: string; description: string; fix: string };
    const fallback = spec.default === undefined ? '—' : `\`${spec.default}\``;
    return `| \`${name}\` | ${spec.required ?? 'no'} | ${fallback} | ${escape(spec.description)} ${escape(capitalise(spec.fix))}. |`;
  });
  return ['| variable | required | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
