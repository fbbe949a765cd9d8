/** A table and the tables its foreign keys reference. */
export interface TableDependencies {
  readonly name: string;
  /** Referenced tables; a table referencing itself (rotations.rollback_of) needs no ordering. */
  readonly references: readonly string[];
}

/**
 * The order to fill tables in so that every row's foreign keys already have their target: each
 * table after every table it references, ties broken by name (so the order, and the summary, are
 * the same on every run). Self-references are ignored: rows of one table are copied in their
 * primary-key order, and the store only points at older rows of its own table.
 *
 * @throws {TypeError} on a reference to a table not in `tables`, or on a cycle between tables
 *   (the schema has none; one would need deferred constraints, which the copy does not do).
 */
export function copyOrder(tables: readonly TableDependencies[]): string[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  for (const table of tables) {
    for (const ref of table.references) {
      if (!byName.has(ref)) throw new TypeError(`table ${table.name} references ${ref}, which is not among the tables to copy`);
    }
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string, path: readonly string[]): void => {
    if (placed.has(name)) return;
    if (visiting.has(name)) throw new TypeError(`foreign keys form a cycle: ${[...path, name].join(' -> ')}`);
    visiting.add(name);
    const refs = [...new Set(byName.get(name)!.references)].filter((ref) => ref !== name).sort();
    for (const ref of refs) visit(ref, [...path, name]);
    visiting.delete(name);
    placed.add(name);
    ordered.push(name);
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return ordered;
}
