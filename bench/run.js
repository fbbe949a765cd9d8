'use strict';
// npm run bench [-- --quick | --smoke] [-- --only verify,deny-heap] [-- --out bench/results/latest.json]
//
//   (default) full sizes, a few minutes; --quick about 2 minutes; --smoke tiny sizes, only proves
//   every scenario still runs (the CI smoke test), its figures mean nothing.
//
// Runs each scenario (baseline and subject interleaved in the same run), prints one Markdown table
// of medians and ratios, and writes the rows with the machine's description as JSON. Not part of
// `npm test`. A scenario is a module of bench/scenarios exporting { name, needs, run({ mode, log }) }
// that resolves to rows (lib/report.js); add one there and list it below.
const { loadavg } = require('node:os');
const { join } = require('node:path');
const { printTable, writeJson } = require('./lib/report');

const SCENARIOS = ['verify', 'deny-heap', 'propagation', 'http', 'cold-start', 'accept-rate'];
/** The table lists the scenarios' rows in the order of the performance brief's table, whatever order they ran in. */
const TABLE_ORDER = ['propagation', 'verify', 'http', 'cold-start', 'deny-heap', 'accept-rate'];

function parseArgs(argv) {
  const args = { mode: 'full', only: SCENARIOS, out: join(__dirname, 'results', 'latest.json') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick' || argv[i] === '--smoke') args.mode = argv[i].slice(2);
    else if (argv[i] === '--only') args.only = argv[++i].split(',');
    else if (argv[i] === '--out') args.out = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; usage: bench/run.js [--quick|--smoke] [--only ${SCENARIOS.join(',')}] [--out file.json]`);
  }
  for (const name of args.only) if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const log = (line) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  const rowsOf = new Map();
  const failures = [];
  for (const name of args.only) {
    const scenario = require(`./scenarios/${name}`);
    try {
      rowsOf.set(name, await scenario.run({ mode: args.mode, log }));
    } catch (error) {
      failures.push({ scenario: name, error: error instanceof Error ? error.message : String(error) });
      log(`${name} FAILED: ${error instanceof Error ? error.stack : error}`);
    }
  }
  const rows = [...rowsOf].sort(([a], [b]) => TABLE_ORDER.indexOf(a) - TABLE_ORDER.indexOf(b)).flatMap(([, scenarioRows]) => scenarioRows);
  printTable(rows);
  const command = `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim();
  const seconds = Math.round((Date.now() - started) / 1000);
  const machine = writeJson(args.out, rows, { command, mode: args.mode, started_at: new Date(started).toISOString(), seconds, load_average_at_start: loadAtStart, failures });
  process.stdout.write(
    `\n${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GB, Node ${machine.node}; ${seconds} s; load average (1, 5, 15 min) at the start ${loadAtStart.join(' ')}, at the end ${machine.load_average.join(' ')}; JSON: ${args.out}\n`,
  );
  if (failures.length > 0) {
    process.stderr.write(`${failures.length} scenario(s) failed: ${failures.map((f) => f.scenario).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
