import { createProgress } from './progress';

function sink(isTTY: boolean) {
  let text = '';
  return { stream: { isTTY, write: (s: string) => (text += s) }, text: () => text };
}

describe('progress', () => {
  it('off a terminal, writes a line only when the state changes', () => {
    const out = sink(false);
    const progress = createProgress(out.stream, () => 0);
    progress.update('1 of 2');
    progress.update('1 of 2');
    progress.update('2 of 2');
    progress.done('done');
    expect(out.text()).toBe('1 of 2\n2 of 2\ndone\n');
  });

  it('on a terminal, redraws one line with a spinner and the elapsed time, then clears it', () => {
    const out = sink(true);
    let now = 0;
    const progress = createProgress(out.stream, () => now);
    progress.update('1 of 2');
    now = 1500;
    progress.update('1 of 2');
    progress.done();
    expect(out.text()).toBe('\r\u001b[2K| 1 of 2 (0 ms)\r\u001b[2K/ 1 of 2 (1.5 s)\r\u001b[2K');
  });
});
