import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type Entity, type FeatureServiceDefinition, type FeatureView } from '../domain/definitions';
import { type AppliedDefinitions, type ObjectKind } from '../domain/plan';

interface Row {
  kind: ObjectKind;
  name: string;
  version: number;
  definition: Entity | FeatureView | FeatureServiceDefinition;
  deleted: boolean;
  applied_at: Date;
}

export interface Versioned<T> {
  version: number;
  definition: T;
  appliedAt: Date;
}

/** Every applied version of every definition; the latest non-deleted version of each is in force. */
@Injectable()
export class DefinitionsRepository {
  constructor(private readonly db: DataSource) {}

  /** Serialises applies: a plan is only valid against the state it was computed from. */
  async lock(tx: SqlExecutor): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('feature-definitions'))");
  }

  /**
   * Taken by whatever keys rows into views by the applied definitions: it waits for an apply in
   * progress, so no rows fall between an apply's re-keying and the definitions it commits.
   */
  async lockShared(tx: SqlExecutor): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock_shared(hashtext('feature-definitions'))");
  }

  async applied(tx: SqlExecutor = this.db): Promise<AppliedDefinitions> {
    const rows = (await tx.query(
      `SELECT * FROM (SELECT DISTINCT ON (kind, name) * FROM definitions ORDER BY kind, name, version DESC) latest WHERE NOT deleted ORDER BY kind, name COLLATE "C"`,
    )) as Row[];
    const of = <T>(kind: ObjectKind) => new Map(rows.filter((r) => r.kind === kind).map((r) => [r.name, { version: r.version, definition: r.definition as T }]));
    return { entities: of<Entity>('entity'), featureViews: of<FeatureView>('feature_view'), featureServices: of<FeatureServiceDefinition>('feature_service') };
  }

  async insert(tx: SqlExecutor, kind: ObjectKind, version: number, definition: { name: string }, actor: string, deleted = false): Promise<void> {
    await tx.query('INSERT INTO definitions (kind, name, version, definition, deleted, applied_by) VALUES ($1, $2, $3, $4, $5, $6)', [
      kind, definition.name, version, JSON.stringify(definition), deleted, actor,
    ]);
  }

  /** One version (latest when `version` is 0); deleted objects are not found. */
  async find<T>(kind: ObjectKind, name: string, version = 0, tx: SqlExecutor = this.db): Promise<Versioned<T> | undefined> {
    const rows = (await tx.query(
      `SELECT * FROM definitions WHERE kind = $1 AND name = $2 AND ($3::int = 0 OR version = $3) ORDER BY version DESC LIMIT 1`,
      [kind, name, version],
    )) as Row[];
    const row = rows[0];
    if (!row || (row.deleted && version === 0)) return undefined;
    return { version: row.version, definition: row.definition as T, appliedAt: row.applied_at };
  }

  async list<T>(kind: ObjectKind, offset: number, limit: number): Promise<Versioned<T>[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT * FROM (SELECT DISTINCT ON (name) * FROM definitions WHERE kind = $1 ORDER BY name, version DESC) latest WHERE NOT deleted ORDER BY name OFFSET $2 LIMIT $3`,
      [kind, offset, limit],
    );
    return rows.map((r) => ({ version: r.version, definition: r.definition as T, appliedAt: r.applied_at }));
  }
}
