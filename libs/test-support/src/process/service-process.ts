import { spawn, type ChildProcess } from 'node:child_process';

export interface ServiceProcessOptions {
  /** Shown in errors and, with `echo`, before each output line. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** A line on stdout or stderr that means the service is ready. */
  readonly readyLine: RegExp;
  /** Default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Copy the child's output to this process's stderr, prefixed with the name. Default false. */
  readonly echo?: boolean;
}

/** A child process running one of our services (authority, demo-api). */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the child printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it exited (SIGKILL after 10 s). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a service as a child process and resolves once it printed its ready line. Rejects
 * with the tail of its output if it exits or stays silent past the timeout, so a failing boot
 * explains itself in the test report.
 */
export function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...options.env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = child.exitCode !== null;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    if (options.echo) {
      for (const line of text.split('\n')) if (line.trim()) process.stderr.write(`[${options.name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const service: ServiceProcess = {
    name: options.name,
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exited) return child.exitCode;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exit;
      clearTimeout(killer);
      return code;
    },
  };

  return new Promise((resolve, reject) => {
    const tail = () => output.split('\n').slice(-40).join('\n');
    const timer = setTimeout(() => {
      cleanup();
      void service.stop('SIGKILL');
      reject(new Error(`${options.name} did not print ${options.readyLine} within ${options.readyTimeoutMs ?? 30000} ms; output:\n${tail()}`));
    }, options.readyTimeoutMs ?? 30_000);
    const check = () => {
      if (options.readyLine.test(output)) {
        cleanup();
        resolve(service);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${options.name} exited with code ${code} before it was ready; output:\n${tail()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}
