import { openCopySource } from './copy-source';
import { openCopyTarget } from './copy-target';
import { copyStore, type StoreCopySummary, type TableCopySummary } from './copy-store';

export interface CopyAuthorityStoreOptions {
  /** The SQLite data folder to copy (no authority may run on it). */
  readonly fromDataDir: string;
  /** `postgres://…` (an existing, empty database) or `sqlite:<new data folder>`. */
  readonly to: string;
  /** Rows per INSERT (default 500). */
  readonly batchRows?: number;
  readonly onTable?: (table: TableCopySummary) => void;
}

/** {@link copyStore} between a data folder and a target named by URL, opening and closing both. */
export async function copyAuthorityStore(options: CopyAuthorityStoreOptions): Promise<StoreCopySummary & { readonly target: string }> {
  const source = openCopySource(options.fromDataDir);
  try {
    const target = openCopyTarget(options.to);
    try {
      const summary = await copyStore({
        source: source.connection,
        target: target.connection,
        ...(options.batchRows === undefined ? {} : { batchRows: options.batchRows }),
        ...(options.onTable === undefined ? {} : { onTable: options.onTable }),
      });
      return { ...summary, target: target.description };
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}
