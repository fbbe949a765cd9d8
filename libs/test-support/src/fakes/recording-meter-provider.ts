import type { Attributes, Meter, MeterProvider, MetricOptions, ObservableCallback, ObservableResult } from '@opentelemetry/api';

/** One value recorded on an instrument. */
export interface RecordedMeasurement {
  readonly meter: string;
  readonly instrument: string;
  readonly kind: 'counter' | 'up-down-counter' | 'histogram' | 'gauge' | 'observable';
  readonly value: number;
  readonly attributes: Attributes;
}

/**
 * A MeterProvider that records every measurement, for asserting metrics in unit tests without an
 * OpenTelemetry SDK. Observable instruments report only when {@link RecordingMeterProvider.collect}
 * is called, like an SDK's periodic collection.
 */
export interface RecordingMeterProvider extends MeterProvider {
  readonly measurements: readonly RecordedMeasurement[];
  /** Instrument options by name, as passed at creation (unit, description, advice). */
  readonly instruments: ReadonlyMap<string, MetricOptions | undefined>;
  /** Runs every registered observable callback and returns what they observed. */
  collect(): RecordedMeasurement[];
  /** Observable callbacks currently registered (0 after every owner unregistered). */
  readonly observableCallbacks: number;
  /** Sum of the values recorded on `instrument` whose attributes include `attributes`. */
  sum(instrument: string, attributes?: Attributes): number;
  /** Measurements recorded on `instrument` (whose attributes include `attributes`). */
  find(instrument: string, attributes?: Attributes): RecordedMeasurement[];
}

const includes = (actual: Attributes, expected: Attributes | undefined): boolean =>
  expected === undefined || Object.entries(expected).every(([k, v]) => actual[k] === v);

export function createRecordingMeterProvider(): RecordingMeterProvider {
  const measurements: RecordedMeasurement[] = [];
  const instruments = new Map<string, MetricOptions | undefined>();
  const observables: Array<{ meter: string; instrument: string; callbacks: Set<ObservableCallback> }> = [];

  const meterFor = (meterName: string): Meter => {
    const synchronous = (kind: RecordedMeasurement['kind']) => (name: string, options?: MetricOptions) => {
      instruments.set(name, options);
      const record = (value: number, attributes: Attributes = {}) =>
        void measurements.push({ meter: meterName, instrument: name, kind, value, attributes: { ...attributes } });
      return { add: record, record };
    };
    const observable = (name: string, options?: MetricOptions) => {
      instruments.set(name, options);
      const entry = { meter: meterName, instrument: name, callbacks: new Set<ObservableCallback>() };
      observables.push(entry);
      return {
        addCallback: (callback: ObservableCallback) => void entry.callbacks.add(callback),
        removeCallback: (callback: ObservableCallback) => void entry.callbacks.delete(callback),
      };
    };
    const meter = {
      createCounter: synchronous('counter'),
      createUpDownCounter: synchronous('up-down-counter'),
      createHistogram: synchronous('histogram'),
      createGauge: synchronous('gauge'),
      createObservableGauge: observable,
      createObservableCounter: observable,
      createObservableUpDownCounter: observable,
      addBatchObservableCallback: () => undefined,
      removeBatchObservableCallback: () => undefined,
    };
    // The recorder implements what revmesh uses; the API's generics add nothing for a test double.
    return meter as unknown as Meter;
  };

  return {
    getMeter: (name: string) => meterFor(name),
    measurements,
    instruments,
    collect() {
      const observed: RecordedMeasurement[] = [];
      for (const entry of observables) {
        for (const callback of entry.callbacks) {
          const result: ObservableResult = {
            observe: (value: number, attributes: Attributes = {}) =>
              void observed.push({ meter: entry.meter, instrument: entry.instrument, kind: 'observable', value, attributes: { ...attributes } }),
          };
          void callback(result);
        }
      }
      return observed;
    },
    get observableCallbacks() {
      return observables.reduce((n, entry) => n + entry.callbacks.size, 0);
    },
    sum(instrument, attributes) {
      return measurements.filter((m) => m.instrument === instrument && includes(m.attributes, attributes)).reduce((n, m) => n + m.value, 0);
    },
    find(instrument, attributes) {
      return measurements.filter((m) => m.instrument === instrument && includes(m.attributes, attributes));
    },
  };
}
