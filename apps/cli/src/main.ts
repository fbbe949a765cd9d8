#!/usr/bin/env node
import { nodeIo } from './io/node-io';
import { runCli } from './program';

// `revmesh keys list | head -1` closes the pipe early: that is the reader's choice, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// exitCode, not process.exit(): stdout may still be flushing into a pipe (`revmesh … --json | jq`).
void runCli(process.argv.slice(2), nodeIo()).then((code) => {
  process.exitCode = code;
});
