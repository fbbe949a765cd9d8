#!/usr/bin/env node
// The `revmesh` command npm links into node_modules/.bin at install time. It exists before
// anything is built (npm links a bin only if its file exists then), and runs the compiled CLI.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('revmesh: the CLI is not built yet; run `npm run build` at the repository root first\n');
  process.exit(2);
}
await import(main.href);
