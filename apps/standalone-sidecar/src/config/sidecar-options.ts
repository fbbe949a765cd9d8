import type { SidecarIssuerOptions, SidecarLogger, SidecarOptions } from '@revmesh/sidecar';
import { VARIABLES, type StandaloneSidecarConfig } from './standalone-config';

/**
 * The library options for this process's configuration. `config.sidecar` (file only) is spread
 * last: it may add any `createSidecar` option, which the library validates.
 */
export function sidecarOptionsOf(config: StandaloneSidecarConfig, logger: SidecarLogger, transport?: SidecarOptions['transport']): SidecarOptions {
  return {
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    // Passed as given: the library validates each issuer and names the field it refuses.
    ...(config.issuers === undefined ? {} : { issuers: config.issuers as unknown as readonly SidecarIssuerOptions[] }),
    audience: config.audience,
    eventSigners: config.eventSigners,
    ...(transport ? { transport } : { brokers: config.brokers }),
    topicPrefix: config.topicPrefix,
    logger,
    ...(config.instanceId === undefined ? {} : { instanceId: config.instanceId }),
    ...(config.clockToleranceSeconds === undefined ? {} : { clockToleranceSeconds: config.clockToleranceSeconds }),
    staleness: { policy: config.stalePolicy, ...(config.maxSilenceMs === undefined ? {} : { maxSilenceMs: config.maxSilenceMs }) },
    ...(config.sidecar as Partial<SidecarOptions>),
  };
}

/**
 * The library's `TypeError` names `options.<field>`; this adds the variable that set it, e.g.
 * `options.issuer` → `options.issuer (REVMESH_ISSUER)`, and `sidecar.` for file-only options.
 */
export function explainOptionsError(message: string): string {
  return message.replace(/options\.([A-Za-z]+)(?:\.[\w-]+)*/g, (whole, field: string) => {
    const variable = VARIABLES.find((v) => v.field === field || (field === 'staleness' && v.field === 'maxSilenceMs'));
    return variable ? `${whole} (${variable.env})` : `${whole} ("sidecar.${field}" in REVMESH_SIDECAR_CONFIG_FILE)`;
  });
}
