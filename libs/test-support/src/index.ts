export { ensureKafka, stopKafkaIfStartedHere, waitForKafka, type LocalKafka } from './kafka/local-kafka';
export { createOwnTopics, type OwnTopics } from './kafka/topic-prefix';
export { freePort } from './process/free-port';
export { findNginx, nginxConf, startNginx, type NginxOptions, type NginxProcess } from './nginx/nginx-process';
export { authRequestConfig, type AuthRequestConfigOptions } from './nginx/auth-request-config';
export { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './process/service-process';
export { createInMemoryTransport, type AppendRecord, type InMemoryTransport, type InMemoryTransportOptions } from './fakes/in-memory-transport';
export { createRecordingMeterProvider, type RecordedMeasurement, type RecordingMeterProvider } from './fakes/recording-meter-provider';
export { createRecordingLogger, type LogEntry, type RecordingLogger } from './fakes/recording-logger';
export { createTestDpopKey, type DpopProofInput, type TestDpopKey } from './tokens/dpop-key';
export { createTestIssuer, type SignOptions, type TestClaims, type TestIssuer, type TestIssuerOptions } from './tokens/test-issuer';
export { algorithmConfusionToken, decodeTokenPayload, tamperPayload, tamperSignature, unsignedToken, wrongKeyToken } from './tokens/forged-tokens';
export { appendRevocation, revocationEvent, type RevocationEventInput } from './fakes/revocation-events';
export { createTestEventSigner, type TestEventSigner, type TestEventSignerOptions } from './tokens/test-event-signer';
export {
  keyStateEvent,
  publicJwkOf,
  signerAnnouncedEvent,
  signerWithdrawnEvent,
  type KeyStateEventInput,
  type SignerAnnouncedInput,
  type SignerWithdrawnInput,
} from './fakes/key-events';
export {
  appendSignedEvent,
  authorityHeartbeatEvent,
  eventRecordKey,
  type AppendSignedEventOptions,
  type AuthorityHeartbeatInput,
  type EventSigner,
} from './fakes/signed-events';
export {
  addOperator,
  bootstrapEnrolledAdmin,
  bootstrapOperator,
  DEFAULT_TEST_JUSTIFICATION,
  enrolOperator,
  loginOperator,
  type OperatorSession,
} from './operators/operator-session';
export { ensurePostgres, stopPostgresIfStartedHere, TEST_DATABASE_URL_ENV, waitForPostgres, type LocalPostgres } from './postgres/local-postgres';
export { createTestDatabase, databaseUrl, testDatabaseName, type TestDatabase } from './postgres/test-database';
export { storeEnginesUnderTest, type TestStoreEngine } from './postgres/store-engines';
export { ensureKeycloak, stopKeycloakIfStartedThisRun, waitForRealm, type LocalKeycloak } from './keycloak/local-keycloak';
export {
  createKeycloakUser,
  deleteKeycloakStreams,
  deleteKeycloakUser,
  ensureRealmClient,
  keycloakLogout,
  resetKeycloakPassword,
  type KeycloakTestUser,
} from './keycloak/keycloak-admin';
export {
  demoRealm,
  keycloakAdminToken,
  keycloakClientToken,
  keycloakPasswordToken,
  setKeycloakClientAttributes,
  type DemoRealm,
  type DemoRealmClient,
  type DemoRealmUser,
  type KeycloakTokenResponse,
} from './keycloak/demo-realm';
