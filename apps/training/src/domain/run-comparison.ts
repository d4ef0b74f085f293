/** Runs side by side: one row per param, metric and tag, one cell per run, and whether they differ. */
export interface ComparedRun {
  runId: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export type ComparisonKind = 'param' | 'metric' | 'tag';

export interface ComparisonRow {
  kind: ComparisonKind;
  key: string;
  cells: ({ present: false } | { present: true; value: string; number?: number })[];
  differs: boolean;
}

/** Keys default to every key any of the runs has; rows come params, metrics, then tags, each by key. */
export function compareRuns(runs: ComparedRun[], metricKeys: string[] = [], paramKeys: string[] = []): ComparisonRow[] {
  const keysOf = (pick: (r: ComparedRun) => Record<string, unknown>, asked: string[]) => (asked.length > 0 ? asked : [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort());
  const rows = (kind: ComparisonKind, pick: (r: ComparedRun) => Record<string, string | number>, keys: string[]): ComparisonRow[] =>
    keys.map((key) => {
      const cells = runs.map((r): ComparisonRow['cells'][number] => {
        const value = pick(r)[key];
        if (value === undefined) return { present: false };
        return typeof value === 'number' ? { present: true, value: String(value), number: value } : { present: true, value };
      });
      const shown = cells.map((c) => (c.present ? c.value : undefined));
      return { kind, key, cells, differs: new Set(shown).size > 1 };
    });
  return [
    ...rows('param', (r) => r.params, keysOf((r) => r.params, paramKeys)),
    ...rows('metric', (r) => r.metrics, keysOf((r) => r.metrics, metricKeys)),
    ...rows('tag', (r) => r.tags, keysOf((r) => r.tags, [])),
  ];
}
