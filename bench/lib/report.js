'use strict';
// The bench's output: one row per measure, printed as a table and written as JSON.
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const os = require('node:os');

/**
 * One row: `measure`, the baseline and the subject (`{ label, value, unit, rounds }`: the median
 * and the per-round values), `ratio` = subject ÷ baseline, `better` ('higher' or 'lower': which
 * direction of the ratio is good), the `target` it is held to (text) and a `note`.
 */
function row({ measure, baseline, subject, better = 'higher', target = '', note = '' }) {
  const ratio = baseline && subject && baseline.value > 0 ? subject.value / baseline.value : null;
  return { measure, baseline, subject, ratio, better, target, note };
}

const fmt = (value, unit) => {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
};

/** Prints the rows as a Markdown table (so it can be pasted into the README as is). */
function printTable(rows, stream = process.stdout) {
  const lines = [
    '| measure | baseline | revmesh | ratio | target |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const side = (s) => (s ? `${s.label}: ${fmt(s.value, s.unit)}` : '—');
      const ratio = r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`;
      return `| ${r.measure} | ${side(r.baseline)} | ${side(r.subject)} | ${ratio} | ${r.target}${r.note ? ` (${r.note})` : ''} |`;
    }),
  ];
  stream.write(`${lines.join('\n')}\n`);
}

/** Writes the rows with the machine and the command that produced them. */
function writeJson(path, rows, meta) {
  mkdirSync(dirname(path), { recursive: true });
  const machine = {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    load_average: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  writeFileSync(path, `${JSON.stringify({ ...meta, machine, rows }, null, 2)}\n`);
  return machine;
}

module.exports = { row, printTable, writeJson };
