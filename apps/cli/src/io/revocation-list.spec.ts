import { UsageError } from '../errors';
import { listFormat, parseRevocationList } from './revocation-list';

describe('revocation lists (revoke --from-file)', () => {
  it('reads JSON lines, skipping blank and # lines, keeping each line number', () => {
    const text = '# leaked\n{"target":"jti","value":"a"}\n\n{"target":"sub","value":"bob","iss":"https://sso.test"}\n';
    expect(parseRevocationList(text, 'jsonl', 'f')).toEqual([
      { target: 'jti', value: 'a', line: 2 },
      { target: 'sub', value: 'bob', iss: 'https://sso.test', line: 4 },
    ]);
  });

  it('reads CSV with an optional header, RFC 4180 quotes and an optional iss column', () => {
    const text = 'target,value,iss\r\njti,"a,b"\r\nsid,"say ""hi""",\r\nsub,alice,https://sso.test\r\n';
    expect(parseRevocationList(text, 'csv', 'f')).toEqual([
      { target: 'jti', value: 'a,b', line: 2 },
      { target: 'sid', value: 'say "hi"', line: 3 },
      { target: 'sub', value: 'alice', iss: 'https://sso.test', line: 4 },
    ]);
  });

  it('refuses the whole list naming every bad line, so nothing is sent', () => {
    const text = '{"target":"jti","value":"ok"}\nnot json\n{"target":"kid","value":"x"}\n{"target":"jti","value":""}\n{"target":"jti","value":"v","extra":1}\n[1]\n';
    let error: unknown;
    try {
      parseRevocationList(text, 'jsonl', 'leaks.jsonl');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toContain('leaks.jsonl: 5 line(s) refused, nothing was sent');
    for (const line of [2, 3, 4, 5, 6]) expect(message).toContain(`line ${line}:`);
    expect(message).not.toContain('line 1:');
  });

  it('refuses CSV lines with the wrong number of fields or a broken quote', () => {
    expect(() => parseRevocationList('jti\njti,a,b,c\njti,"open\n', 'csv', 'f')).toThrow(/3 line\(s\) refused[\s\S]*line 1: expected target,value\[,iss\][\s\S]*line 2:[\s\S]*line 3: unterminated/);
  });

  it('refuses an empty list', () => {
    expect(() => parseRevocationList('# nothing\n\n', 'jsonl', 'stdin')).toThrow('stdin holds no target');
  });

  it('picks the format by extension, else by the first meaningful line', () => {
    expect(listFormat('x.csv', '{"a":1}')).toBe('csv');
    expect(listFormat('x.ndjson', 'jti,a')).toBe('jsonl');
    expect(listFormat('', '# c\n{"target":"jti","value":"a"}')).toBe('jsonl');
    expect(listFormat('list.txt', 'jti,a')).toBe('csv');
  });
});
