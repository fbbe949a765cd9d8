import { createTestEventSigner } from '@revmesh/test-support';
import { createSidecar } from '@revmesh/sidecar';
import { explainOptionsError, sidecarOptionsOf } from './sidecar-options';
import { loadStandaloneConfig } from './standalone-config';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const validConfig = async (extra: NodeJS.ProcessEnv = {}) => {
  const signer = await createTestEventSigner();
  return loadStandaloneConfig({
    KAFKA_BROKERS: '127.0.0.1:19092',
    REVMESH_ISSUER: 'http://127.0.0.1:8080',
    REVMESH_AUDIENCE: 'orders-api',
    REVMESH_EVENT_SIGNERS: JSON.stringify([signer.publicJwk]),
    ...extra,
  });
};

describe('sidecar options of revmesh-sidecar', () => {
  it('passes the settings to createSidecar, with the file-only "sidecar" options last', async () => {
    const config = await validConfig({ REVMESH_MAX_SILENCE_MS: '20000' });
    const options = sidecarOptionsOf({ ...config, sidecar: { requiredTyp: 'JWT' } }, silent);
    expect(options).toMatchObject({
      issuer: 'http://127.0.0.1:8080',
      audience: ['orders-api'],
      brokers: ['127.0.0.1:19092'],
      topicPrefix: 'revmesh.',
      staleness: { policy: 'fail-closed', maxSilenceMs: 20000 },
      requiredTyp: 'JWT',
    });
    expect(options).not.toHaveProperty('clockToleranceSeconds');
  });

  it("names the variable behind a field the library refuses, and the file's sidecar section for the others", async () => {
    const config = await validConfig();
    let message = '';
    try {
      createSidecar(sidecarOptionsOf({ ...config, clockToleranceSeconds: 301, sidecar: { algorithms: ['HS256'] } }, silent));
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = explainOptionsError((error as Error).message);
    }
    expect(message).toContain('options.clockToleranceSeconds (REVMESH_CLOCK_TOLERANCE_SECONDS)');
    expect(message).toContain('options.algorithms.0 ("sidecar.algorithms" in REVMESH_SIDECAR_CONFIG_FILE): REFUSED "HS256"');
  });
});
