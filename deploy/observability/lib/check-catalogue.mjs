#!/usr/bin/env node
// Consistency checks of deploy/observability, run by ../check.sh (Node ≥ 20, no dependencies):
//  1. metrics.md: every instrument row's Prometheus series follow from its OpenTelemetry name and
//     kind by the exporter's rules (sanitise, `_total` for counters, `_bucket/_sum/_count` for
//     histograms, no unit suffix).
//  2. If @opentelemetry/sdk-metrics and @opentelemetry/exporter-prometheus resolve from the repo
//     (after `npm ci`), every instrument is created and rendered by the real exporter, configured
//     as metrics.md requires, and the output must match the catalogue exactly (names and labels).
//  3. Every PromQL expression of alerts.yml, of the Grafana dashboard (panels and variables) and of
//     the ```promql blocks of docs/runbooks/*.md references only catalogued series and labels.
//  4. Every alert has severity, summary, description and a runbook_url pointing at
//     docs/runbooks/<alertname>.md, which exists; the dashboard is valid JSON with unique panel ids
//     and the Prometheus datasource as `${DS_PROMETHEUS}`.
// Usage: node check-catalogue.mjs <repo root>

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const repo = process.argv[2] ?? process.cwd();
const obs = join(repo, 'deploy/observability');
const failures = [];
const fail = (message) => failures.push(message);
const note = (message) => console.log(`  ${message}`);

// ---------------------------------------------------------------------------- catalogue
const catalogueText = readFileSync(join(obs, 'metrics.md'), 'utf8');
const cells = (line) => line.split('|').slice(1, -1).map((cell) => cell.trim());
const ticks = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;

const instruments = [];
const pipelineSeries = new Set();
const recordingRules = new Set();
let section = '';
for (const line of catalogueText.split('\n')) {
  if (line.startsWith('## ')) section = line;
  if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
  const c = cells(line);
  const first = ticks(c[0] ?? '')[0];
  if (!first) continue;
  if (first.startsWith('revmesh.') && c.length >= 5) {
    instruments.push({ otelName: first, kind: c[1], unit: ticks(c[2])[0] ?? '', attributes: ticks(c[3]), series: ticks(c[4]) });
  } else if (section.startsWith('## Series that come from the pipeline') && NAME.test(first)) {
    pipelineSeries.add(first);
  } else if (section.startsWith('## Recording rules') && NAME.test(first)) {
    recordingRules.add(first);
  }
}

const KINDS = new Set(['Counter', 'UpDownCounter', 'Histogram', 'Gauge', 'ObservableCounter', 'ObservableUpDownCounter', 'ObservableGauge']);
const sanitize = (name) => name.replace(/[^A-Za-z0-9_]/g, '_').replace(/_{2,}/g, '_');
const expectedSeries = ({ otelName, kind }) => {
  const base = sanitize(otelName);
  if (kind === 'Histogram') return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  if (kind === 'Counter' || kind === 'ObservableCounter') return [base.endsWith('_total') ? base : `${base}_total`];
  return [base];
};

const RESOURCE_LABELS = ['service_name', 'service_instance_id'];
const PIPELINE_LABELS = ['job', 'instance', 'otel_scope_name', 'otel_scope_version', 'le', '__name__'];
const knownSeries = new Set([...pipelineSeries, ...recordingRules]);
const knownLabels = new Set([...RESOURCE_LABELS, ...PIPELINE_LABELS]);
const seenOtelNames = new Set();
for (const instrument of instruments) {
  if (seenOtelNames.has(instrument.otelName)) fail(`metrics.md: ${instrument.otelName} is listed twice`);
  seenOtelNames.add(instrument.otelName);
  if (!KINDS.has(instrument.kind)) fail(`metrics.md: ${instrument.otelName}: unknown kind "${instrument.kind}"`);
  const expected = expectedSeries(instrument);
  if (expected.join() !== instrument.series.join()) {
    fail(`metrics.md: ${instrument.otelName} (${instrument.kind}) should list ${expected.join(', ')}, lists ${instrument.series.join(', ') || 'nothing'}`);
  }
  for (const series of instrument.series) {
    if (knownSeries.has(series)) fail(`metrics.md: series ${series} is listed twice`);
    knownSeries.add(series);
  }
  for (const attribute of instrument.attributes) knownLabels.add(sanitize(attribute));
}
note(`metrics.md: ${instruments.length} instruments, ${knownSeries.size} series names, ${recordingRules.size} recording rules`);
if (instruments.length === 0) fail('metrics.md: no instrument rows found (table format changed?)');

// ---------------------------------------------------------------------------- real exporter
async function renderWithExporter() {
  const require = createRequire(join(repo, 'package.json'));
  let sdk, prom, resources;
  try {
    sdk = require('@opentelemetry/sdk-metrics');
    prom = require('@opentelemetry/exporter-prometheus');
    resources = require('@opentelemetry/resources');
  } catch {
    note('SKIP exporter rendering: @opentelemetry/sdk-metrics / exporter-prometheus not installed (run npm ci)');
    return;
  }
  const version = (() => {
    try {
      return require('@opentelemetry/exporter-prometheus/package.json').version;
    } catch {
      return '?';
    }
  })();
  const constantLabels = /^service\.(name|instance\.id)$/;
  const exporter = new prom.PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: constantLabels });
  const provider = new sdk.MeterProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'check', 'service.instance.id': 'check-1' }),
    readers: [exporter],
  });
  const meter = provider.getMeter('@revmesh/check');
  for (const { otelName, kind, unit, attributes } of instruments) {
    const attrs = Object.fromEntries(attributes.map((a) => [a, 'x']));
    const options = { unit, description: 'check' };
    switch (kind) {
      case 'Counter': meter.createCounter(otelName, options).add(1, attrs); break;
      case 'UpDownCounter': meter.createUpDownCounter(otelName, options).add(1, attrs); break;
      case 'Histogram': meter.createHistogram(otelName, { ...options, advice: { explicitBucketBoundaries: [1, 10] } }).record(5, attrs); break;
      case 'Gauge': meter.createGauge(otelName, options).record(1, attrs); break;
      case 'ObservableCounter': meter.createObservableCounter(otelName, options).addCallback((r) => r.observe(1, attrs)); break;
      case 'ObservableUpDownCounter': meter.createObservableUpDownCounter(otelName, options).addCallback((r) => r.observe(1, attrs)); break;
      case 'ObservableGauge': meter.createObservableGauge(otelName, options).addCallback((r) => r.observe(1, attrs)); break;
    }
  }
  const { resourceMetrics, errors } = await exporter.collect();
  if (errors.length) fail(`exporter: collection errors: ${errors.join('; ')}`);
  const text = new prom.PrometheusSerializer(undefined, false, constantLabels).serialize(resourceMetrics);
  await provider.shutdown();
  const rendered = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!match) continue;
    const labels = match[2] ? [...match[2].matchAll(/([A-Za-z_][A-Za-z0-9_]*)="/g)].map((m) => m[1]) : [];
    rendered.set(match[1], labels);
  }
  let compared = 0;
  for (const instrument of instruments) {
    const allowed = new Set([...instrument.attributes.map(sanitize), ...RESOURCE_LABELS, 'otel_scope_name', 'otel_scope_version', 'le']);
    for (const series of instrument.series) {
      const labels = rendered.get(series);
      if (!labels) {
        fail(`exporter ${version} does not render ${series} for ${instrument.otelName}`);
        continue;
      }
      compared += 1;
      for (const label of [...RESOURCE_LABELS, ...instrument.attributes.map(sanitize)]) {
        if (!labels.includes(label)) fail(`exporter ${version}: ${series} lacks label ${label}`);
      }
      for (const label of labels) if (!allowed.has(label)) fail(`exporter ${version}: ${series} has unexpected label ${label}`);
      rendered.delete(series);
    }
  }
  for (const name of rendered.keys()) if (name !== 'target_info') fail(`exporter ${version} renders ${name}, which metrics.md does not list`);
  note(`exporter-prometheus ${version}: rendered ${instruments.length} instruments, compared ${compared} series (names and labels) with metrics.md`);
}
await renderWithExporter();

// ---------------------------------------------------------------------------- PromQL references
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);
function references(expr) {
  const labels = [];
  let s = expr.replace(/#[^\n]*/g, ' ');
  s = s.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ' '); // Grafana variables
  s = s.replace(/\{([^}]*)\}/g, (_, inner) => {
    for (const m of inner.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/g)) labels.push(m[1]);
    return ' ';
  });
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, __, inner) => {
    labels.push(...inner.split(',').map((l) => l.trim()).filter(Boolean));
    return ' ';
  });
  s = s.replace(/\boffset\s+-?[0-9A-Za-z]+/g, ' ');
  const metrics = [];
  const token = /[A-Za-z_:][A-Za-z0-9_:]*|[0-9][0-9A-Za-z_.]*/g;
  let m;
  while ((m = token.exec(s))) {
    const word = m[0];
    if (/^[0-9]/.test(word) || KEYWORDS.has(word)) continue;
    if (/^\s*\(/.test(s.slice(token.lastIndex))) continue; // function or aggregation
    metrics.push(word);
  }
  return { metrics, labels };
}
function checkExpr(where, expr, extraLabels = []) {
  const { metrics, labels } = references(expr);
  for (const name of metrics) if (!knownSeries.has(name)) fail(`${where}: unknown series ${name}`);
  for (const label of labels) if (!knownLabels.has(label) && !extraLabels.includes(label)) fail(`${where}: unknown label ${label}`);
  return metrics.length;
}

// ---------------------------------------------------------------------------- alerts.yml
// Minimal reader for this file's layout (`- alert:` / `- record:` items whose `expr:` is inline or
// a `|` block). The number of expressions found must equal the number of rules.
const rulesText = readFileSync(join(obs, 'prometheus/alerts.yml'), 'utf8').split('\n');
const rules = [];
for (let i = 0; i < rulesText.length; i += 1) {
  const line = rulesText[i];
  const start = /^(\s*)- (alert|record):\s*(\S+)\s*$/.exec(line);
  if (start) {
    rules.push({ kind: start[2], name: start[3], expr: undefined, fields: {} });
    continue;
  }
  const rule = rules.at(-1);
  if (!rule) continue;
  const expr = /^(\s*)expr:\s*(.*)$/.exec(line);
  if (expr) {
    if (expr[2] === '|' || expr[2] === '>' || expr[2] === '|-' || expr[2] === '>-') {
      const body = [];
      const indent = expr[1].length;
      while (i + 1 < rulesText.length && (rulesText[i + 1].trim() === '' || rulesText[i + 1].search(/\S/) > indent)) body.push(rulesText[++i]);
      rule.expr = body.join('\n');
    } else {
      rule.expr = expr[2];
    }
    continue;
  }
  const field = /^\s+(severity|summary|description|runbook_url):\s*(.*)$/.exec(line);
  if (field) rule.fields[field[1]] = field[2].replace(/^"(.*)"$/, '$1');
}
const ruleCount = rulesText.filter((l) => /^\s*- (alert|record):/.test(l)).length;
if (rules.filter((r) => r.expr !== undefined).length !== ruleCount) fail(`alerts.yml: found ${ruleCount} rules but could not read every expr`);
const alertNames = new Set();
for (const rule of rules) {
  const where = `alerts.yml ${rule.kind} ${rule.name}`;
  if (rule.expr !== undefined) checkExpr(where, rule.expr);
  if (rule.kind === 'record') {
    if (!recordingRules.has(rule.name)) fail(`${where}: recording rule not listed in metrics.md`);
    continue;
  }
  alertNames.add(rule.name);
  for (const f of ['severity', 'summary', 'description', 'runbook_url']) if (!rule.fields[f]) fail(`${where}: missing ${f}`);
  if (rule.fields.severity && !['critical', 'warning'].includes(rule.fields.severity)) fail(`${where}: severity ${rule.fields.severity} is neither critical nor warning`);
  const url = rule.fields.runbook_url ?? '';
  if (!url.endsWith(`docs/runbooks/${rule.name}.md`)) fail(`${where}: runbook_url should end with docs/runbooks/${rule.name}.md`);
  if (!existsSync(join(repo, 'docs/runbooks', `${rule.name}.md`))) fail(`${where}: docs/runbooks/${rule.name}.md does not exist`);
}
for (const name of recordingRules) if (!rules.some((r) => r.kind === 'record' && r.name === name)) fail(`metrics.md lists recording rule ${name}, alerts.yml does not define it`);
note(`alerts.yml: ${rules.length} rules (${alertNames.size} alert names) checked: names, severity, annotations, runbooks`);

// ---------------------------------------------------------------------------- dashboard
const dashboardPath = join(obs, 'grafana/revmesh-dashboard.json');
let dashboard;
try {
  dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
} catch (error) {
  fail(`revmesh-dashboard.json is not valid JSON: ${error.message}`);
}
if (dashboard) {
  const panels = [];
  const walk = (list) => {
    for (const panel of list ?? []) {
      panels.push(panel);
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  const ids = new Set();
  let exprs = 0;
  for (const panel of panels) {
    if (ids.has(panel.id)) fail(`dashboard: duplicate panel id ${panel.id}`);
    ids.add(panel.id);
    if (!panel.gridPos) fail(`dashboard: panel "${panel.title}" has no gridPos`);
    if (panel.type === 'row') continue;
    if (panel.datasource?.uid !== '${DS_PROMETHEUS}') fail(`dashboard: panel "${panel.title}" does not use the \${DS_PROMETHEUS} datasource`);
    if (!panel.targets?.length) fail(`dashboard: panel "${panel.title}" has no query`);
    for (const t of panel.targets ?? []) {
      if (t.datasource && t.datasource.uid !== '${DS_PROMETHEUS}') fail(`dashboard: panel "${panel.title}" target ${t.refId} uses another datasource`);
      if (typeof t.expr !== 'string' || !t.expr.trim()) fail(`dashboard: panel "${panel.title}" target ${t.refId} has no expr`);
      else if (checkExpr(`dashboard panel "${panel.title}" ${t.refId}`, t.expr) === 0) fail(`dashboard panel "${panel.title}" ${t.refId}: references no series`);
      exprs += 1;
    }
  }
  const variables = dashboard.templating?.list ?? [];
  if (!variables.some((v) => v.name === 'DS_PROMETHEUS' && v.type === 'datasource' && v.query === 'prometheus')) fail('dashboard: no DS_PROMETHEUS datasource variable');
  for (const v of variables.filter((x) => x.type === 'query')) {
    const query = typeof v.query === 'string' ? v.query : v.query?.query ?? '';
    const lv = /^label_values\((?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(query.trim());
    if (lv) {
      if (lv[1]) checkExpr(`dashboard variable ${v.name}`, lv[1]);
      if (!knownLabels.has(lv[2])) fail(`dashboard variable ${v.name}: unknown label ${lv[2]}`);
    } else {
      checkExpr(`dashboard variable ${v.name}`, query);
    }
    exprs += 1;
  }
  if (dashboard.schemaVersion < 36) fail(`dashboard: schemaVersion ${dashboard.schemaVersion} is too old`);
  note(`dashboard: valid JSON, ${panels.length} panels, ${exprs} queries checked`);
}

// ---------------------------------------------------------------------------- runbooks
const runbookDir = join(repo, 'docs/runbooks');
let blocks = 0;
for (const file of existsSync(runbookDir) ? readdirSync(runbookDir).filter((f) => f.endsWith('.md')) : []) {
  const text = readFileSync(join(runbookDir, file), 'utf8');
  for (const m of text.matchAll(/```promql\n([\s\S]*?)```/g)) {
    for (const line of m[1].split('\n').filter((l) => l.trim())) checkExpr(`docs/runbooks/${file}`, line);
    blocks += 1;
  }
  const alert = file.replace(/\.md$/, '');
  if (file !== 'README.md' && !alertNames.has(alert)) fail(`docs/runbooks/${file}: no alert named ${alert} in alerts.yml`);
}
note(`runbooks: ${blocks} promql blocks checked`);

if (failures.length) {
  for (const f of failures) console.error(`  FAIL ${f}`);
  process.exit(1);
}
