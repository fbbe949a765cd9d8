import { copyOrder } from './copy-order';

describe('copyOrder', () => {
  it('puts every table after the tables it references, ties by name', () => {
    const order = copyOrder([
      { name: 'refresh_tokens', references: ['sessions'] },
      { name: 'outbox', references: ['revocations'] },
      { name: 'sessions', references: [] },
      { name: 'revocations', references: [] },
      { name: 'comms_deliveries', references: ['comms_messages'] },
      { name: 'comms_messages', references: ['incidents'] },
      { name: 'incidents', references: [] },
    ]);
    expect(order).toEqual(['incidents', 'comms_messages', 'comms_deliveries', 'revocations', 'outbox', 'sessions', 'refresh_tokens']);
  });

  it('ignores a table referencing itself', () => {
    expect(copyOrder([{ name: 'rotations', references: ['rotations', 'rotations'] }, { name: 'a', references: [] }])).toEqual(['a', 'rotations']);
  });

  it('refuses a cycle, naming it', () => {
    expect(() =>
      copyOrder([
        { name: 'a', references: ['b'] },
        { name: 'b', references: ['a'] },
      ]),
    ).toThrow(new TypeError('foreign keys form a cycle: a -> b -> a'));
  });

  it('refuses a reference to a table it was not given', () => {
    expect(() => copyOrder([{ name: 'a', references: ['gone'] }])).toThrow(/table a references gone/);
  });
});
