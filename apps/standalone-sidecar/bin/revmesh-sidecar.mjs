#!/usr/bin/env node
// `revmesh-sidecar`, as npm links it into node_modules/.bin when the workspace is installed,
// which is before any build: this file exists then; it starts the compiled process.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const compiled = new URL('../dist/main.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('revmesh-sidecar is not built yet: run `npm run build` (or `npx nx run standalone-sidecar:build`) at the repository root\n');
  process.exit(2);
}
await import(compiled.href);
