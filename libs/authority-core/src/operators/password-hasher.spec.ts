import * as argon2 from '@node-rs/argon2';
import { createPasswordHasher } from './password-hasher';

jest.mock('@node-rs/argon2', () => {
  const actual = jest.requireActual<typeof import('@node-rs/argon2')>('@node-rs/argon2');
  return { ...actual, hash: jest.fn(actual.hash), verify: jest.fn(actual.verify) };
});

const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('createPasswordHasher', () => {
  it('verifies a password against its argon2id hash', async () => {
    const hasher = createPasswordHasher(FAST);
    const phc = await hasher.hash('correct horse battery');
    expect(phc).toMatch(/^\$argon2id\$/);
    await expect(hasher.verify(phc, 'correct horse battery')).resolves.toBe(true);
    await expect(hasher.verify(phc, 'wrong horse battery')).resolves.toBe(false);
    await expect(hasher.verify('not a phc string', 'x')).resolves.toBe(false);
  });

  it('does exactly the work of one verify for an unknown operator, the first time too (no timing tell)', async () => {
    const hasher = createPasswordHasher(FAST);
    // Let anything the hasher prepares on creation finish, as it has long before the first login.
    await new Promise((resolve) => setTimeout(resolve, 200));
    jest.mocked(argon2.hash).mockClear();
    jest.mocked(argon2.verify).mockClear();
    await hasher.verifyDummy('some guess');
    expect(argon2.hash).not.toHaveBeenCalled();
    expect(argon2.verify).toHaveBeenCalledTimes(1);
  });
});
