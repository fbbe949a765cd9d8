import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the demo's broker comes from, and how to give it back. */
export interface KafkaSource {
  readonly brokers: string;
  readonly description: string;
  release(): Promise<void>;
}

async function succeeds(command: string, args: string[], timeoutMs = 5000): Promise<boolean> {
  try {
    await run(command, args, { timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks a broker in the order the README promises: `KAFKA_BROKERS` if set; else the Docker
 * compose broker if a Docker engine answers; else the official Kafka jars from Maven Central
 * (Java + Maven); else an error naming the three options.
 */
export async function acquireKafka(root: string, log: (line: string) => void): Promise<KafkaSource> {
  const configured = process.env['KAFKA_BROKERS'];
  if (configured) {
    return { brokers: configured, description: `KAFKA_BROKERS=${configured}`, release: async () => undefined };
  }
  const compose = join(root, 'docker-compose.kafka.yml');
  if (await succeeds('docker', ['info'])) {
    log('Docker engine found: starting Kafka with docker-compose.kafka.yml ...');
    await run('docker', ['compose', '-f', compose, 'up', '-d', '--wait'], { timeout: 180_000 });
    return {
      brokers: '127.0.0.1:19092',
      description: 'Docker (docker-compose.kafka.yml)',
      release: async () => {
        await run('docker', ['compose', '-f', compose, 'down'], { timeout: 60_000 }).catch(() => undefined);
      },
    };
  }
  const script = join(root, 'deploy', 'local-kafka', 'kafka.sh');
  const hasJars = existsSync(join(root, 'deploy', 'local-kafka', 'lib'));
  if ((await succeeds('java', ['-version'])) && (hasJars || (await succeeds('mvn', ['-v'], 20_000)))) {
    const alreadyRunning = await succeeds('bash', [script, 'status']);
    if (!alreadyRunning) {
      log('No KAFKA_BROKERS and no Docker engine: running Kafka from the official jars (deploy/local-kafka) ...');
      await run('bash', [script, 'fetch'], { timeout: 600_000 });
      const started = Date.now();
      await run('bash', [script, 'start'], { timeout: 180_000 });
      log(`Kafka broker started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const port = process.env['KAFKA_PORT'] ?? '19092';
    return {
      brokers: `127.0.0.1:${port}`,
      description: alreadyRunning ? 'local jars (already running)' : 'local jars (deploy/local-kafka)',
      release: async () => {
        if (!alreadyRunning) await run('bash', [script, 'stop'], { timeout: 60_000 }).catch(() => undefined);
      },
    };
  }
  throw new Error(
    [
      'No Kafka broker available. Choose one of:',
      '  1. set KAFKA_BROKERS=host:port to use a broker you already run;',
      '  2. start a Docker engine (the demo then runs docker-compose.kafka.yml);',
      '  3. install Java 17+ and Maven (the demo then runs Kafka from the official jars, deploy/local-kafka).',
    ].join('\n'),
  );
}
