#!/usr/bin/env node
// The revmesh CLI is being built (issue: operator security and tools).
process.stderr.write("revmesh: not yet available\n");
process.exitCode = 1;
