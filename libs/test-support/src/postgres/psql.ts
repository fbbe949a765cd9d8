import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Debian's `psql` (postgresql-client, which the postgresql package pulls in): on PATH, else the
 * newest /usr/lib/postgresql/<version>/bin. Undefined when PostgreSQL's client is not installed.
 * test-support talks to the server through it, so it needs no driver of its own.
 */
export function findPsql(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env['PATH'] ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'psql'));
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return [...onPath, ...versions.map((version) => `/usr/lib/postgresql/${version}/bin/psql`)].find((path) => existsSync(path));
}

/**
 * Runs one SQL command with `psql` against `url` and resolves with its unaligned, tuples-only
 * output (trimmed). `ON_ERROR_STOP`: a failing statement rejects with psql's own message.
 */
export function psql(url: string, sql: string, timeoutMs = 30_000): Promise<string> {
  const binary = findPsql();
  if (binary === undefined) {
    return Promise.reject(new Error('psql not found: install Debian\'s PostgreSQL (apt-get install -y --no-install-recommends postgresql)'));
  }
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ['--no-psqlrc', '--quiet', '--tuples-only', '--no-align', '--set=ON_ERROR_STOP=1', `--dbname=${url}`, '--command', sql],
      // PGCONNECT_TIMEOUT: a server that does not answer fails in seconds, not at the TCP timeout.
      { timeout: timeoutMs, env: { ...process.env, PGCONNECT_TIMEOUT: '5' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`psql on ${redact(url)} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** `url` without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable URL>';
  }
}
