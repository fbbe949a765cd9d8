import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorCredential } from '../auth/credential';
import { CredentialsInsecureError, CredentialsInvalidError } from '../errors';
import { tempDir } from '../testing/run-cli.spec-helper';
import { createCredentialStore } from './credentials';

const credential = (token: string): OperatorCredential => ({
  type: 'operator',
  authority: 'https://authority.example.com',
  username: 'alice',
  role: 'security-admin',
  token,
  expires_at: '2025-01-01T01:00:00.000Z',
  auth_time: '2025-01-01T00:00:00.000Z',
  saved_at: '2025-01-01T00:00:00.000Z',
});

describe('credential store', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('writes the file 0600 and tightens an existing 0755 directory to 0700', () => {
    const configDir = join(dir.path, 'cfg');
    mkdirSync(configDir, { mode: 0o755 });
    chmodSync(configDir, 0o755);
    const store = createCredentialStore(join(configDir, 'credentials.json'));

    store.save('default', credential('a'));

    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(store.read('default')).toEqual(credential('a'));
  });

  it('replaces the file atomically and leaves no temporary file behind', () => {
    const store = createCredentialStore(join(dir.path, 'credentials.json'));
    store.save('default', credential('a'));
    store.save('staging', credential('b'));
    store.save('default', credential('c'));

    expect(readdirSync(dir.path)).toEqual(['credentials.json']);
    expect(store.read('default')).toEqual(credential('c'));
    expect(store.read('staging')).toEqual(credential('b'));
  });

  it.each([0o644, 0o640, 0o604, 0o660])('refuses to read a file with mode %o', (mode) => {
    const store = createCredentialStore(join(dir.path, 'credentials.json'));
    store.save('default', credential('a'));
    chmodSync(store.path, mode);

    expect(() => store.read('default')).toThrow(CredentialsInsecureError);
    expect(() => store.read('default')).toThrow(`has mode 0${mode.toString(8)}`);
  });

  it('refuses a file owned by another user', () => {
    const path = join(dir.path, 'credentials.json');
    createCredentialStore(path).save('default', credential('a'));
    const store = createCredentialStore(path, { uid: statSync(path).uid + 1 });

    expect(() => store.read('default')).toThrow(/belongs to user id \d+, not to you/);
  });

  it('does not check POSIX modes on Windows', () => {
    const path = join(dir.path, 'credentials.json');
    createCredentialStore(path).save('default', credential('a'));
    chmodSync(path, 0o644);

    expect(createCredentialStore(path, { platform: 'win32' }).read('default')).toEqual(credential('a'));
  });

  it('reads a missing file as "no credential"', () => {
    expect(createCredentialStore(join(dir.path, 'credentials.json')).read('default')).toBeUndefined();
  });

  it.each([
    ['not JSON', 'nope', /not valid JSON/],
    ['another layout version', '{"version":2,"profiles":{}}', /unknown layout version 2/],
    ['an unknown credential type', '{"version":1,"profiles":{"default":{"type":"passkey"}}}', /unknown credential type "passkey"/],
    ['an operator credential without its token', '{"version":1,"profiles":{"default":{"type":"operator","authority":"https://a"}}}', /an operator credential needs/],
  ])('explains a file holding %s', (_name, content, message) => {
    const path = join(dir.path, 'credentials.json');
    writeFileSync(path, content, { mode: 0o600 });
    const read = () => createCredentialStore(path).read('default');
    expect(read).toThrow(CredentialsInvalidError);
    expect(read).toThrow(message);
  });

  it('reads an obsolete admin-key entry as no credential, keeping the other profiles', () => {
    const path = join(dir.path, 'credentials.json');
    const old = { type: 'admin-key', authority: 'https://a.example', admin_key: 'k', saved_at: '2025-01-01T00:00:00.000Z' };
    writeFileSync(path, JSON.stringify({ version: 1, profiles: { default: old, staging: credential('b') } }), { mode: 0o600 });
    const store = createCredentialStore(path);
    expect(store.read('default')).toBeUndefined();
    expect(store.read('staging')).toEqual(credential('b'));
  });

  it('removes a profile and deletes the file with the last one', () => {
    const store = createCredentialStore(join(dir.path, 'credentials.json'));
    store.save('default', credential('a'));
    store.save('staging', credential('b'));

    expect(store.remove('staging')).toBe(true);
    expect(store.read('staging')).toBeUndefined();
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(store.remove('staging')).toBe(false);
    expect(store.remove('default')).toBe(true);
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
