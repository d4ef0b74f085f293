import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type Condition, type Ordering } from '../domain/run-search';

export interface ExperimentRecord {
  experimentId: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  createdBy: string;
  createdAt: Date;
}

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLING' | 'CANCELLED';

export interface MetricRecord {
  key: string;
  value: number;
  step: number;
  time: Date;
}

export interface ArtifactRecord {
  path: string;
  digest: string;
  sizeBytes: number;
  mediaType: string;
  uri: string;
}

export interface RunRecord {
  runId: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startedBy: string;
  createdAt: Date;
  startTime?: Date;
  endTime?: Date;
  tags: Record<string, string>;
  environment?: unknown;
  codeVersion?: unknown;
  dataVersion?: unknown;
  seed: string;
  failureMessage: string;
  params: Record<string, string>;
  /** The latest value of each metric. */
  metrics: MetricRecord[];
  artifacts: ArtifactRecord[];
}

interface ExperimentRow {
  experiment_id: string;
  name: string;
  description: string;
  tags: Record<string, string>;
  created_by: string;
  created_at: Date;
}

interface RunRow {
  run_id: string;
  experiment_id: string;
  name: string;
  status: RunStatus;
  started_by: string;
  created_at: Date;
  start_time: Date | null;
  end_time: Date | null;
  tags: Record<string, string>;
  environment: unknown;
  code_version: unknown;
  data_version: unknown;
  seed: string;
  failure_message: string;
}

const toExperiment = (r: ExperimentRow): ExperimentRecord => ({ experimentId: r.experiment_id, name: r.name, description: r.description, tags: r.tags, createdBy: r.created_by, createdAt: r.created_at });

const LATEST_METRIC = (key: string) => `(SELECT m.value FROM run_metrics m WHERE m.run_id = r.run_id AND m.key = ${key} ORDER BY m.step DESC, m.time DESC, m.seq DESC LIMIT 1)`;
const PARAM = (key: string) => `(SELECT p.value FROM run_params p WHERE p.run_id = r.run_id AND p.key = ${key})`;
const ATTRIBUTE_COLUMNS: Record<string, string> = { status: 'r.status', name: 'r.name', run_id: 'r.run_id::text', started_by: 'r.started_by', start_time: 'r.start_time::text', end_time: 'r.end_time::text', created_at: 'r.created_at::text' };

@Injectable()
export class TrackingRepository {
  constructor(private readonly db: DataSource) {}

  /** Undefined when the name is taken. */
  async createExperiment(e: Omit<ExperimentRecord, 'createdAt'>): Promise<ExperimentRecord | undefined> {
    const rows = await this.db.query<ExperimentRow[]>(
      'INSERT INTO experiments (experiment_id, name, description, tags, created_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING *',
      [e.experimentId, e.name, e.description, JSON.stringify(e.tags), e.createdBy],
    );
    return rows[0] && toExperiment(rows[0]);
  }

  async experiment(by: { id: string } | { name: string }): Promise<ExperimentRecord | undefined> {
    const rows = await this.db.query<ExperimentRow[]>(`SELECT * FROM experiments WHERE ${'id' in by ? 'experiment_id = $1::uuid' : 'name = $1'}`, ['id' in by ? by.id : by.name]);
    return rows[0] && toExperiment(rows[0]);
  }

  async experiments(nameContains: string, offset: number, limit: number): Promise<ExperimentRecord[]> {
    const rows = await this.db.query<ExperimentRow[]>("SELECT * FROM experiments WHERE position($1 in name) > 0 ORDER BY name OFFSET $2 LIMIT $3", [nameContains, offset, limit]);
    return rows.map(toExperiment);
  }

  async createRun(tx: SqlExecutor, r: Pick<RunRecord, 'runId' | 'experimentId' | 'name' | 'status' | 'startedBy' | 'startTime' | 'tags' | 'environment' | 'codeVersion' | 'dataVersion' | 'seed'>): Promise<void> {
    await tx.query(
      `INSERT INTO runs (run_id, experiment_id, name, status, started_by, start_time, tags, environment, code_version, data_version, seed)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [r.runId, r.experimentId, r.name, r.status, r.startedBy, r.startTime ?? null, JSON.stringify(r.tags), json(r.environment), json(r.codeVersion), json(r.dataVersion), r.seed],
    );
  }

  /** Locks the run for an update: logs to one run are applied one at a time. */
  async lockRun(tx: SqlExecutor, runId: string): Promise<RunStatus | undefined> {
    const rows = (await tx.query('SELECT status FROM runs WHERE run_id = $1 FOR UPDATE', [runId])) as { status: RunStatus }[];
    return rows[0]?.status;
  }

  /** What events name a run by, without its params, metrics and artifacts. */
  async summary(tx: SqlExecutor, runId: string): Promise<Pick<RunRecord, 'experimentId' | 'name' | 'startedBy'>> {
    const [row] = (await tx.query('SELECT experiment_id, name, started_by FROM runs WHERE run_id = $1', [runId])) as { experiment_id: string; name: string; started_by: string }[];
    return { experimentId: row.experiment_id, name: row.name, startedBy: row.started_by };
  }

  /** A pipeline run's move to another status: started stamps start_time once, ended stamps end_time. */
  async setStatus(tx: SqlExecutor, runId: string, status: RunStatus, change: { started?: boolean; ended?: boolean; failureMessage?: string; dataVersion?: unknown; environment?: unknown } = {}): Promise<void> {
    await tx.query(
      `UPDATE runs SET status = $2, start_time = CASE WHEN $3 THEN coalesce(start_time, now()) ELSE start_time END, end_time = CASE WHEN $4 THEN now() ELSE end_time END,
              failure_message = coalesce($5, failure_message), data_version = coalesce($6::jsonb, data_version), environment = coalesce($7::jsonb, environment)
       WHERE run_id = $1`,
      [runId, status, change.started ?? false, change.ended ?? false, change.failureMessage ?? null, json(change.dataVersion), json(change.environment)],
    );
  }

  async end(tx: SqlExecutor, runId: string, status: RunStatus, endTime: Date, failureMessage: string): Promise<void> {
    await tx.query('UPDATE runs SET status = $2, end_time = $3, failure_message = $4 WHERE run_id = $1', [runId, status, endTime, failureMessage]);
  }

  /** Returns the keys already logged with another value (a param is logged once); logs the rest. */
  async addParams(tx: SqlExecutor, runId: string, params: Record<string, string>): Promise<string[]> {
    const entries = Object.entries(params);
    if (entries.length === 0) return [];
    const clashes = (await tx.query(
      'SELECT p.key FROM run_params p JOIN unnest($2::text[], $3::text[]) AS t(key, value) ON p.key = t.key WHERE p.run_id = $1 AND p.value <> t.value ORDER BY p.key',
      [runId, entries.map(([k]) => k), entries.map(([, v]) => v)],
    )) as { key: string }[];
    if (clashes.length > 0) return clashes.map((c) => c.key);
    await tx.query('INSERT INTO run_params (run_id, key, value) SELECT $1, t.key, t.value FROM unnest($2::text[], $3::text[]) AS t(key, value) ON CONFLICT DO NOTHING', [
      runId, entries.map(([k]) => k), entries.map(([, v]) => v),
    ]);
    return [];
  }

  async addMetrics(tx: SqlExecutor, runId: string, metrics: MetricRecord[]): Promise<void> {
    if (metrics.length === 0) return;
    await tx.query('INSERT INTO run_metrics (run_id, key, value, step, time) SELECT $1, t.key, t.value, t.step, t.time FROM unnest($2::text[], $3::float8[], $4::bigint[], $5::timestamptz[]) AS t(key, value, step, time)', [
      runId, metrics.map((m) => m.key), metrics.map((m) => m.value), metrics.map((m) => m.step), metrics.map((m) => m.time),
    ]);
  }

  async setTags(tx: SqlExecutor, runId: string, tags: Record<string, string>, deleteKeys: string[]): Promise<Record<string, string>> {
    const [rows] = (await tx.query('UPDATE runs SET tags = (tags || $2::jsonb) - $3::text[] WHERE run_id = $1 RETURNING tags', [runId, JSON.stringify(tags), deleteKeys])) as [{ tags: Record<string, string> }[], number];
    return rows[0].tags;
  }

  async runs(runIds: string[]): Promise<RunRecord[]> {
    if (runIds.length === 0) return [];
    const [rows, params, metrics, artifacts] = await Promise.all([
      this.db.query<RunRow[]>('SELECT * FROM runs WHERE run_id = ANY($1::uuid[])', [runIds]),
      this.db.query<{ run_id: string; key: string; value: string }[]>('SELECT run_id, key, value FROM run_params WHERE run_id = ANY($1::uuid[]) ORDER BY key', [runIds]),
      this.db.query<{ run_id: string; key: string; value: number; step: string; time: Date }[]>(
        'SELECT DISTINCT ON (run_id, key) run_id, key, value, step, time FROM run_metrics WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, key, step DESC, time DESC, seq DESC',
        [runIds],
      ),
      this.db.query<{ run_id: string; path: string; digest: string; size_bytes: string; media_type: string; uri: string }[]>('SELECT * FROM run_artifacts WHERE run_id = ANY($1::uuid[]) ORDER BY path', [runIds]),
    ]);
    const byId = new Map(rows.map((r) => [r.run_id, r]));
    return runIds.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      return [{
        runId: r.run_id, experimentId: r.experiment_id, name: r.name, status: r.status, startedBy: r.started_by, createdAt: r.created_at,
        startTime: r.start_time ?? undefined, endTime: r.end_time ?? undefined, tags: r.tags, environment: r.environment ?? undefined,
        codeVersion: r.code_version ?? undefined, dataVersion: r.data_version ?? undefined, seed: r.seed, failureMessage: r.failure_message,
        params: Object.fromEntries(params.filter((p) => p.run_id === id).map((p) => [p.key, p.value])),
        metrics: metrics.filter((m) => m.run_id === id).map((m) => ({ key: m.key, value: m.value, step: Number(m.step), time: m.time })),
        artifacts: artifacts.filter((a) => a.run_id === id).map((a) => ({ path: a.path, digest: a.digest, sizeBytes: Number(a.size_bytes), mediaType: a.media_type, uri: a.uri })),
      }];
    });
  }

  /** The digest of a run's artifact at `path`, if it stored one. */
  async artifactDigest(runId: string, path: string): Promise<string | undefined> {
    const rows = await this.db.query<{ digest: string }[]>('SELECT digest FROM run_artifacts WHERE run_id = $1 AND path = $2', [runId, path]);
    return rows[0]?.digest;
  }

  /** Returns the digest already logged at this path, if any (the new one is then not recorded). */
  async addArtifact(tx: SqlExecutor, runId: string, a: ArtifactRecord): Promise<string | undefined> {
    const rows = (await tx.query(
      `INSERT INTO run_artifacts (run_id, path, digest, size_bytes, media_type, uri) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run_id, path) DO UPDATE SET path = run_artifacts.path RETURNING digest`,
      [runId, a.path, a.digest, a.sizeBytes, a.mediaType, a.uri],
    )) as { digest: string }[];
    return rows[0].digest === a.digest ? undefined : rows[0].digest;
  }

  async metricHistory(runId: string, key: string, offset: number, limit: number): Promise<MetricRecord[]> {
    const rows = await this.db.query<{ key: string; value: number; step: string; time: Date }[]>(
      'SELECT key, value, step, time FROM run_metrics WHERE run_id = $1 AND key = $2 ORDER BY step, time, seq OFFSET $3 LIMIT $4',
      [runId, key, offset, limit],
    );
    return rows.map((m) => ({ key: m.key, value: m.value, step: Number(m.step), time: m.time }));
  }

  /** Run ids matching every condition, ordered as asked (then newest first), one page. */
  async search(experimentIds: string[], conditions: Condition[], orderings: Ordering[], offset: number, limit: number): Promise<string[]> {
    const parameters: unknown[] = [experimentIds];
    const p = (value: unknown) => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    const expression = (scope: Condition['scope'], key: string) =>
      scope === 'metrics' ? LATEST_METRIC(p(key)) : scope === 'params' ? PARAM(p(key)) : scope === 'tags' ? `(r.tags->>${p(key)})` : ATTRIBUTE_COLUMNS[key];
    const where = conditions.map((c) => `${expression(c.scope, c.key)} ${c.operator === '!=' ? '<>' : c.operator} ${p(c.value)}${c.scope === 'metrics' ? '::float8' : '::text'}`);
    const order = orderings.map((o) => `${expression(o.scope, o.key)} ${o.descending ? 'DESC' : 'ASC'} NULLS LAST`);
    const rows = await this.db.query<{ run_id: string }[]>(
      `SELECT r.run_id FROM runs r WHERE (cardinality($1::uuid[]) = 0 OR r.experiment_id = ANY($1::uuid[]))${where.map((w) => ` AND ${w}`).join('')}
       ORDER BY ${[...order, 'r.created_at DESC', 'r.run_id'].join(', ')} OFFSET ${p(offset)} LIMIT ${p(limit)}`,
      parameters,
    );
    return rows.map((r) => r.run_id);
  }
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
