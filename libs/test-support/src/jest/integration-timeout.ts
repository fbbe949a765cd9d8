// Jest reads `testTimeout` only from the root config, not per project; integration tests boot
// real processes and a broker round trip, so they get a longer bound than unit tests.
jest.setTimeout(60_000);
