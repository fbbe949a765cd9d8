import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where Debian's `nginx`/`nginx-light` puts the binary, then `PATH`. Undefined when nginx is not installed. */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = ['/usr/sbin/nginx', ...(env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nginx'))];
  return candidates.find((path) => existsSync(path));
}

export interface NginxOptions {
  /** What goes inside `http { }`: upstreams and `server` blocks. */
  readonly httpConfig: string;
  /** A port a `server` block listens on on 127.0.0.1: `startNginx` resolves once it accepts connections. */
  readonly port: number;
  /** Default: {@link findNginx}. */
  readonly binary?: string;
  /** Default 10 s. */
  readonly readyTimeoutMs?: number;
}

/** A running nginx, in the foreground, with every path in its own temporary folder. */
export interface NginxProcess {
  readonly child: ChildProcess;
  /** The folder holding `nginx.conf`, the pid file, the error log and the temp paths. */
  readonly dir: string;
  /** The error log so far. */
  errorLog(): string;
  /** Stops nginx (SIGQUIT: finish in-flight requests, SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * The whole `nginx.conf` around `httpConfig`: foreground (`daemon off`), one process
 * (`master_process off`: it runs as the user who started it, root in CI, and needs no `user`),
 * pid, error log and every temp path under `dir`, so nothing of the system's nginx is touched.
 */
export function nginxConf(dir: string, httpConfig: string): string {
  const temp = (name: string) => join(dir, 'temp', name);
  return [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${temp('client_body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    httpConfig,
    '}',
    '',
  ].join('\n');
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Checks the configuration (`nginx -t`), starts nginx and resolves once `port` accepts
 * connections. Rejects with nginx's own words (the `-t` output or the error log) otherwise.
 */
export async function startNginx(options: NginxOptions): Promise<NginxProcess> {
  const binary = options.binary ?? findNginx();
  if (binary === undefined) throw new Error('nginx is not installed: apt-get install -y nginx-light (Debian), or put nginx on PATH');
  const dir = mkdtempSync(join(tmpdir(), 'revmesh-nginx-'));
  mkdirSync(join(dir, 'temp'));
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, nginxConf(dir, options.httpConfig));
  const args = ['-p', dir, '-c', confPath, '-e', join(dir, 'error.log')];
  const check = spawnSync(binary, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t refused the generated configuration:\n${check.stderr}\n--- nginx.conf ---\n${nginxConf(dir, options.httpConfig)}`);
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  while (!(await accepts(options.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = errorLog();
      await stop();
      throw new Error(`nginx did not accept connections on 127.0.0.1:${options.port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { child, dir, errorLog, stop };
}
