import type { AuthorityHandle } from './authority-process';

/** What a burst of revocations got back from the authority. */
export interface BurstOutcome {
  /** Ids of the revocations answered 202, in answer order. */
  readonly accepted: string[];
  /** When each accepted revocation was answered, epoch ms. */
  readonly acceptedAt: Map<string, number>;
  /** Requests whose connection died (e.g. with the process): neither accepted nor refused. */
  readonly unanswered: number;
}

/** Sends `count` jti revocations, `concurrency` at a time; `onProgress` sees how many are done after each. */
export async function burst(authority: AuthorityHandle, label: string, count: number, concurrency: number, onProgress?: (done: number) => void): Promise<BurstOutcome> {
  const accepted: string[] = [];
  const acceptedAt = new Map<string, number>();
  let unanswered = 0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        const response = await authority.admin.request('POST', '/v1/revocations', { target: 'jti', value: `${label}-${i}`, reason: 'chaos' });
        if (response.status === 202) {
          const id = String(response.body['id']);
          accepted.push(id);
          acceptedAt.set(id, Date.now());
        }
      } catch {
        unanswered++;
      }
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted, acceptedAt, unanswered };
}
