import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';
import { tempDir } from '../testing/run-cli.spec-helper';
import { readConfigFile, type ConfigFile } from './profiles';
import { DEFAULT_TIMEOUT_MS, resolveSettings } from './settings';

const FILE = '/cfg/config.json';
const file = (profiles: ConfigFile['profiles']) => () => ({ profiles });
const broken = () => {
  throw new ConfigError('config.json is broken');
};

describe('settings precedence: flag > env > profile file > default', () => {
  const profileFile = file({
    default: { authority: 'https://from-file.example', timeout_ms: 3000 },
    staging: { authority: 'https://staging-file.example' },
  });

  it('uses the profile file when nothing else is set', () => {
    const s = resolveSettings({}, {}, profileFile, FILE);
    expect(s.profile).toBe('default');
    expect(s.authority?.url.display).toBe('https://from-file.example');
    expect(s.authority?.source).toContain(FILE);
    expect(s.timeoutMs).toBe(3000);
  });

  it('the environment beats the profile file', () => {
    const s = resolveSettings({}, { REVMESH_AUTHORITY_URL: 'https://from-env.example', REVMESH_TIMEOUT_MS: '4000' }, profileFile, FILE);
    expect(s.authority).toMatchObject({ source: 'REVMESH_AUTHORITY_URL', url: { display: 'https://from-env.example' } });
    expect(s.timeoutMs).toBe(4000);
  });

  it('a flag beats the environment', () => {
    const s = resolveSettings(
      { authority: 'https://from-flag.example', timeout: 5000 },
      { REVMESH_AUTHORITY_URL: 'https://from-env.example', REVMESH_TIMEOUT_MS: '4000' },
      profileFile,
      FILE,
    );
    expect(s.authority).toMatchObject({ source: '--authority', url: { display: 'https://from-flag.example' } });
    expect(s.timeoutMs).toBe(5000);
  });

  it('--profile beats REVMESH_PROFILE, which beats "default"', () => {
    expect(resolveSettings({}, { REVMESH_PROFILE: 'staging' }, profileFile, FILE).authority?.url.display).toBe('https://staging-file.example');
    expect(resolveSettings({ profile: 'default' }, { REVMESH_PROFILE: 'staging' }, profileFile, FILE).profile).toBe('default');
  });

  it('falls back to the default timeout and leaves the authority unset', () => {
    const s = resolveSettings({ profile: 'unknown' }, {}, profileFile, FILE);
    expect(s.authority).toBeUndefined();
    expect(s.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
  });

  it('does not read a broken profile file when flags and env already say everything', () => {
    expect(() => resolveSettings({ authority: 'https://a.example', timeout: 1 }, {}, broken, FILE)).not.toThrow();
    expect(() => resolveSettings({ authority: 'https://a.example' }, { REVMESH_TIMEOUT_MS: '9' }, broken, FILE)).not.toThrow();
    expect(() => resolveSettings({ authority: 'https://a.example' }, {}, broken, FILE)).toThrow(ConfigError);
  });

  it.each([
    [{ authority: 'ftp://x' }, {}, /--authority: the authority URL must start with https:\/\/ or http:\/\//],
    [{ authority: 'https://admin:secret@x.example' }, {}, /remove the user name and password/],
    [{ authority: 'not a url' }, {}, /is not a URL/],
    [{}, { REVMESH_AUTHORITY_URL: 'https://x.example/?a=1' }, /REVMESH_AUTHORITY_URL: the authority URL must not have a query/],
    [{ authority: 'https://x.example' }, { REVMESH_TIMEOUT_MS: 'soon' }, /REVMESH_TIMEOUT_MS must be a positive whole number/],
    [{ profile: '../etc' }, {}, /profile name "..\/etc"/],
  ])('refuses bad values, naming where they came from: %j %j', (flags, env, message) => {
    expect(() => resolveSettings(flags, env, file({}), FILE)).toThrow(message);
  });

  it('keeps a path prefix of the authority URL for requests', () => {
    const s = resolveSettings({ authority: 'https://gw.example/revmesh/' }, {}, file({}), FILE);
    expect(s.authority?.url.display).toBe('https://gw.example/revmesh');
    expect(new URL('v1/keys', s.authority?.url.base).href).toBe('https://gw.example/revmesh/v1/keys');
  });

  it('marks plain http to another host as insecure, but not to this machine', () => {
    const at = (authority: string) => resolveSettings({ authority }, {}, file({}), FILE).authority?.url.insecure;
    expect(at('http://authority.internal:8080')).toBe(true);
    expect(at('http://127.0.0.1:8080')).toBe(false);
    expect(at('http://localhost:8080')).toBe(false);
    expect(at('https://authority.internal')).toBe(false);
  });
});

describe('config.json', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('reads profiles keyed by name, and a missing file as empty', () => {
    const path = join(dir.path, 'config.json');
    expect(readConfigFile(path)).toEqual({ profiles: {} });
    writeFileSync(path, JSON.stringify({ profiles: { prod: { authority: 'https://a.example', timeout_ms: 2000 } } }));
    expect(readConfigFile(path)).toEqual({ profiles: { prod: { authority: 'https://a.example', timeout_ms: 2000 } } });
  });

  it.each([
    ['{', /is not valid JSON/],
    ['[]', /must hold a JSON object/],
    ['{"profiles": {"prod": {"authorty": "https://a"}}}', /profiles\.prod\.authorty is not a known setting \(known: authority, timeout_ms, username\)/],
    ['{"profiles": {"prod": {"timeout_ms": -1}}}', /profiles\.prod\.timeout_ms must be a positive whole number of milliseconds/],
    ['{"profiles": {"prod": {"username": 7}}}', /profiles\.prod\.username must be a non-empty string/],
  ])('names the problem in %s', (content, message) => {
    const path = join(dir.path, 'config.json');
    writeFileSync(path, content);
    expect(() => readConfigFile(path)).toThrow(message);
  });
});
