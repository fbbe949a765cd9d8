import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { findRepoRoot, lastLine, runRepoScript, type ScriptResult } from '../process/repo-script';
import { startState } from '../process/start-state';

/** Where the tests' Kafka is, and whether this process started it (and so must stop it). */
export interface LocalKafka {
  readonly brokers: string[];
  readonly startedHere: boolean;
}

/** How long a broker named by KAFKA_BROKERS may take to answer. */
const EXTERNAL_BROKER_TIMEOUT_MS = 30_000;
/** kafka.sh enforces KAFKA_START_TIMEOUT itself; this backstop also covers a first Maven fetch. */
const SCRIPT_BACKSTOP_MS = 5 * 60_000;
const BOOTSTRAP_ADDRESS = /^[A-Za-z0-9.-]+:\d+$/;
/** Printed to stderr by `kafka.sh start` when, and only when, it launches the broker. */
const LAUNCHED_LINE = /^kafka\.sh: starting Kafka /m;

/**
 * Makes sure a Kafka broker is reachable for integration tests.
 *
 * If `KAFKA_BROKERS` is set (comma-separated `host:port` list) that cluster is used and only
 * checked for reachability. Otherwise the repo's single-node broker is started with
 * `deploy/local-kafka/kafka.sh start` (a no-op when it already runs).
 *
 * @returns the bootstrap brokers, and `startedHere: true` only when this call launched the broker.
 * @throws if the external cluster does not answer, or kafka.sh fails (its output is in the message).
 */
export async function ensureKafka(): Promise<LocalKafka> {
  const fromEnv = parseBrokerList(process.env['KAFKA_BROKERS']);
  if (fromEnv.length > 0) {
    try {
      await waitForKafka(fromEnv, EXTERNAL_BROKER_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`KAFKA_BROKERS=${fromEnv.join(',')} is set but unusable (unset it to start a local broker). ${errorText(error)}`);
    }
    return { brokers: fromEnv, startedHere: false };
  }

  const script = path.join(findRepoRoot(), 'deploy', 'local-kafka', 'kafka.sh');
  const start = await runScript(script, 'start');
  if (start.code !== 0) {
    throw new Error(`${script} start failed (exit ${start.code}):\n${start.stderr}${start.stdout}`);
  }
  const address = lastLine(start.stdout);
  if (!BOOTSTRAP_ADDRESS.test(address)) {
    throw new Error(`${script} start printed no bootstrap address:\n${start.stderr}${start.stdout}`);
  }
  const brokers = [address];
  // The script waits for the broker's own "started" line; this proves kafkajs can talk to it too.
  await waitForKafka(brokers, EXTERNAL_BROKER_TIMEOUT_MS);
  // Only the broker this call launched is ours to stop. kafka.sh prints this line only when it
  // launches a JVM (not for "already running" nor when it waits for another start), so unlike a
  // `status` call made beforehand it cannot race with a concurrent test run.
  const startedHere = LAUNCHED_LINE.test(start.stderr);
  startState('local-kafka').startedHere ||= startedHere;
  return { brokers, startedHere };
}

/**
 * Stops the local broker if {@link ensureKafka} launched it in this process; leaves a broker
 * that was already running (or named by KAFKA_BROKERS) alone.
 *
 * @returns true if a broker was stopped.
 */
export async function stopKafkaIfStartedHere(): Promise<boolean> {
  const state = startState('local-kafka');
  if (!state.startedHere) return false;
  const script = path.join(findRepoRoot(), 'deploy', 'local-kafka', 'kafka.sh');
  const stop = await runScript(script, 'stop');
  if (stop.code !== 0) {
    throw new Error(`${script} stop failed (exit ${stop.code}):\n${stop.stderr}${stop.stdout}`);
  }
  state.startedHere = false;
  return true;
}

/**
 * Resolves once a kafkajs admin can connect to `brokers` and `describeCluster` lists at least
 * one broker; retries until `timeoutMs` has passed.
 *
 * @throws an Error naming the brokers and the last client error on timeout.
 */
export async function waitForKafka(brokers: readonly string[], timeoutMs: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'revmesh-test-support-wait',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
  });
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('no attempt made');
  do {
    // Our own retry loop with a single deadline, instead of kafkajs's backoff, which could overrun it.
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return;
      lastError = new Error('describeCluster returned no brokers');
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(250);
  } while (Date.now() < deadline);
  throw new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms: ${errorText(lastError)}`);
}

function runScript(script: string, command: 'start' | 'stop' | 'status'): Promise<ScriptResult> {
  return runRepoScript(script, command, SCRIPT_BACKSTOP_MS);
}

function parseBrokerList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
