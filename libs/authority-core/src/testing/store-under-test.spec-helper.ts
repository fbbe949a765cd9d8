import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestStoreEngine } from '@revmesh/test-support';

/** Where a contract test opens its stores: a temp data folder (SQLite) or a database of its own (PostgreSQL). */
export interface StoreLocation {
  readonly engine: TestStoreEngine;
  /** Spread into `openStore` (with a clock or migrations of the test's own). */
  readonly options: { readonly dataDir: string; readonly databaseUrl?: string };
  /** Removes the folder and drops the database. */
  cleanup(): Promise<void>;
}

/** A fresh, empty store location on `engine`; PostgreSQL's comes from the tests' server (`createTestDatabase`). */
export async function storeLocation(engine: TestStoreEngine, prefix: string): Promise<StoreLocation> {
  const dataDir = mkdtempSync(join(tmpdir(), `revmesh-${prefix}-`));
  if (engine === 'sqlite') return { engine, options: { dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  const database = await createTestDatabase(prefix);
  return {
    engine,
    options: { dataDir, databaseUrl: database.url },
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    },
  };
}
