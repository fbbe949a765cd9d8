export { startNodeTelemetry, type NodeTelemetry, type NodeTelemetryOptions } from './node-telemetry';
