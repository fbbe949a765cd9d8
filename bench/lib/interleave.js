'use strict';
// Runs a baseline and a subject in alternating rounds (A B, B A, A B, …) so that drift in machine
// load (other processes, CPU frequency, GC) falls on both alike; returns each side's per-round values.

/**
 * @param {object} options
 * @param {number} options.rounds rounds per side
 * @param {(round: number) => Promise<number>} options.baseline one round of the baseline; resolves to its measure
 * @param {(round: number) => Promise<number>} options.subject one round of the subject
 * @returns {Promise<{ baseline: number[], subject: number[] }>}
 */
async function interleave({ rounds, baseline, subject }) {
  const out = { baseline: [], subject: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['baseline', 'subject'] : ['subject', 'baseline'];
    for (const side of order) out[side].push(await (side === 'baseline' ? baseline(round) : subject(round)));
  }
  return out;
}

/**
 * Runs `task` with `concurrency` callers in flight over `count` items and resolves to items/s.
 * If `cpu` is given, the process CPU time per item (µs, main thread and worker pool together) is
 * pushed onto it: less sensitive than wall time to what else the machine runs.
 * @param {number} count
 * @param {number} concurrency
 * @param {(i: number) => Promise<unknown>} task
 * @param {number[]} [cpu]
 */
async function throughput(count, concurrency, task, cpu) {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (cpu) {
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / count);
  }
  return count / seconds;
}

module.exports = { interleave, throughput };
