'use strict';
// The built workspace libraries the scenarios drive (run `npm run build` first; `npm run bench` does).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const lib = (name, file = 'index.js') => {
  const path = join(root, 'libs', name, 'dist', file);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first`);
  return require(path);
};

module.exports = {
  root,
  sidecar: () => lib('sidecar'),
  sidecarFastify: () => lib('sidecar', 'fastify/index.js'),
  denyList: () => lib('sidecar', 'deny-list/deny-list.js'),
  testSupport: () => lib('test-support'),
  contracts: () => lib('contracts'),
  transport: () => lib('transport'),
  telemetry: () => lib('telemetry'),
};
