import type { ReportBlock } from './report-document';
import type { TimeToApplyBar } from './charts';

/**
 * Recorded text as inert Markdown: HTML's `<`, `>` and `&` as entities (a viewer that renders
 * raw HTML shows `<script>` as text), Markdown punctuation backslash-escaped, line breaks and
 * table pipes neutralised so a value stays in its cell.
 */
export function markdownText(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\`*_[\]~|]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/^(\s*)([#+=-]|\d+[.)])/, '$1\\$2');
}

const BAR_WIDTH = 30;

/** The time-to-apply chart as text: one bar of `█` per instance, scaled to the longest. */
function textBars(bars: readonly TimeToApplyBar[]): string {
  const longest = Math.max(1, ...bars.map((b) => b.ms));
  const name = Math.max(...bars.map((b) => b.instance.length));
  const lines = bars.map((b) => `${b.instance.padEnd(name)}  ${'█'.repeat(Math.round((b.ms / longest) * BAR_WIDTH)).padEnd(BAR_WIDTH)}  ${b.ms} ms  ${b.status}`);
  // A code block shows the text as it is: no escaping needed, but no fence may close it early.
  return ['```text', ...lines.map((l) => l.replace(/`/g, "'")), '```'].join('\n');
}

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownText).join(' | ')} |`;
  return [line(columns), `|${columns.map(() => ' --- |').join('')}`, ...rows.map(line)].join('\n');
}

/** The report's blocks as GitHub-flavoured Markdown. */
export function toMarkdown(blocks: readonly ReportBlock[]): string {
  const parts = blocks.flatMap((b): string[] => {
    switch (b.kind) {
      case 'heading':
        return [`${'#'.repeat(b.level)} ${markdownText(b.text)}`];
      case 'paragraph':
        return [markdownText(b.text)];
      case 'list':
        return [b.items.map((i) => `- ${markdownText(i)}`).join('\n')];
      case 'table':
        return [table(b.columns, b.rows)];
      case 'time-to-apply-chart':
        return [`Time to apply per instance (ms after the action was accepted):`, textBars(b.bars)];
      case 'coverage-chart':
        return []; // Its table follows; a step chart says nothing more in text.
    }
  });
  return `${parts.join('\n\n')}\n`;
}
