import type { ChartRenderer } from './charts';
import type { ReportBlock } from './report-document';

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Recorded text as HTML text or attribute value: every character that could open markup or end an attribute is an entity. */
export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// Everything the page needs is inline; the CSP forbids any fetch, script or external style, so
// the page renders the same with no network (and a value that escaped escaping could run nothing).
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.6rem; margin-bottom: 1.5rem; overflow-wrap: anywhere; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; margin-top: 2.25rem; }
h3 { margin-top: 1.5rem; }
table { border-collapse: collapse; margin: .75rem 0; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
figure { margin: 1rem 0; }
figcaption { color: #57606a; font-size: .9rem; }
footer { margin-top: 3rem; color: #57606a; font-size: .85rem; }
`;

async function block(b: ReportBlock, charts: ChartRenderer): Promise<string> {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}${b.id === undefined ? '' : ` id="${htmlText(b.id)}"`}>${htmlText(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p>${htmlText(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${htmlText(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const head = b.columns.every((c) => c === '') ? '' : `<thead><tr>${b.columns.map((c) => `<th>${htmlText(c)}</th>`).join('')}</tr></thead>`;
      return `<table>${head}<tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${htmlText(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    }
    case 'time-to-apply-chart':
      return figure('time-to-apply', b.audience, `Time to apply per instance of ${b.audience} (one bar per instance)`, await charts.svg(b.spec));
    case 'coverage-chart':
      return figure('coverage', b.audience, `Instances of ${b.audience} that had applied, over time`, await charts.svg(b.spec));
  }
}

function figure(chart: string, audience: string, caption: string, svg: string): string {
  return `<figure class="chart" data-chart="${chart}" data-audience="${htmlText(audience)}">${svg}<figcaption>${htmlText(caption)}</figcaption></figure>`;
}

/** The report's blocks as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched). */
export async function toHtml(blocks: readonly ReportBlock[], title: string, footer: string, charts: ChartRenderer): Promise<string> {
  const body: string[] = [];
  for (const b of blocks) body.push(await block(b, charts));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlText(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
<footer>${htmlText(footer)}</footer>
</body>
</html>
`;
}
