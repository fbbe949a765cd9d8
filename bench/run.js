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
const { join } = require('node:path');
const { printTable, writeJson } = require('./lib/report');

const SCENARIOS = ['verify', 'deny-heap', 'propagation', 'http', 'cold-start', 'accept-rate'];

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
  const log = (line) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  const rows = [];
  const failures = [];
  for (const name of args.only) {
    const scenario = require(`./scenarios/${name}`);
    try {
      rows.push(...(await scenario.run({ mode: args.mode, log })));
    } catch (error) {
      failures.push({ scenario: name, error: error instanceof Error ? error.message : String(error) });
      log(`${name} FAILED: ${error instanceof Error ? error.stack : error}`);
    }
  }
  printTable(rows);
  const command = `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim();
  const machine = writeJson(args.out, rows, { command, mode: args.mode, started_at: new Date(started).toISOString(), seconds: Math.round((Date.now() - started) / 1000), failures });
  process.stdout.write(`\n${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gb} GB, Node ${machine.node}, load average at the end ${machine.load_average.join(' ')}; JSON: ${args.out}\n`);
  if (failures.length > 0) {
    process.stderr.write(`${failures.length} scenario(s) failed: ${failures.map((f) => f.scenario).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
