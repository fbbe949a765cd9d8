import { silentLogger } from '../../logging/logger';
import { createSetPoller, type PolledSetResult } from './set-poller';
import type { PollRequest, PollResponse } from './transmitter-client';

describe('SET poller (RFC 8936)', () => {
  const setup = (answers: (PollResponse | Error)[], results: Record<string, PolledSetResult>) => {
    const requests: PollRequest[] = [];
    const poller = createSetPoller({
      transmitterId: 't',
      poll: async (request) => {
        requests.push(request);
        const answer = answers.shift() ?? { sets: {} };
        if (answer instanceof Error) throw answer;
        return answer;
      },
      handle: async (_set, jti) => results[jti]!,
      intervalMs: 1,
      maxEvents: 10,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      logger: silentLogger,
    });
    return { poller, requests };
  };

  it('sends ack and setErrs with the next request, leaves a SET it could not handle unacknowledged', async () => {
    const { poller, requests } = setup([{ sets: { a: 'A', b: 'B', c: 'C' }, moreAvailable: true }, { sets: {} }], {
      a: { ack: true },
      b: { err: 'invalid_issuer', description: 'iss is not the transmitter of this stream' },
      c: { retry: true },
    });
    expect(await poller.pollOnce()).toEqual({ received: 3, moreAvailable: true });
    expect(await poller.pollOnce()).toEqual({ received: 0, moreAvailable: false });
    expect(requests).toEqual([
      { maxEvents: 10, returnImmediately: true },
      { maxEvents: 10, returnImmediately: true, ack: ['a'], setErrs: { b: { err: 'invalid_issuer', description: 'iss is not the transmitter of this stream' } } },
    ]);
  });

  it('keeps acknowledgements of a failed request for the next one', async () => {
    const { poller, requests } = setup([{ sets: { a: 'A' } }, new Error('transmitter down'), { sets: {} }], { a: { ack: true } });
    await poller.pollOnce();
    await expect(poller.pollOnce()).rejects.toThrow('transmitter down');
    await poller.pollOnce();
    expect(requests[1]).toMatchObject({ ack: ['a'] });
    expect(requests[2]).toMatchObject({ ack: ['a'] });
  });

  it('polls again at once after SETs, and stops when asked', async () => {
    const { poller, requests } = setup([{ sets: { a: 'A' } }], { a: { ack: true } });
    poller.start();
    for (let i = 0; i < 50 && requests.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await poller.stop();
    expect(requests[1]).toMatchObject({ ack: ['a'] });
    const seen = requests.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests.length).toBe(seen);
  });
});
