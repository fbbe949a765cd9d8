/** Whether this process launched a shared server (and so must stop it at the end of the run). */
export interface StartState {
  startedHere: boolean;
}

/**
 * The {@link StartState} of the server named by `name`, kept on globalThis, not in module scope:
 * jest may load global-setup and global-teardown through separate module registries, but both run
 * in the same realm of the parent process.
 */
export function startState(name: string): StartState {
  const key = Symbol.for(`revmesh.test-support.${name}`);
  const holder = globalThis as typeof globalThis & { [key: symbol]: StartState | undefined };
  holder[key] ??= { startedHere: false };
  return holder[key];
}
