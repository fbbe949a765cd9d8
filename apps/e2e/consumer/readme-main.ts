// Runs the README's sidecar example (copied verbatim to readme-server.ts by the test) and says
// when it listens: the example itself prints nothing, and its top-level awaits finish with listen().
await import('./readme-server.js');
process.stdout.write(`readme example listening on ${process.env.PORT ?? 3000}\n`);
