import { Injectable } from '@nestjs/common';
import { RpcError } from '@mlops/grpc';
import { downstreamGraph, type DownstreamSubject, type LineageGraph, upstreamGraph } from '../domain/lineage';
import { ModelVersionRepository } from '../versions/model-version.repository';
import { ModelVersionService } from '../versions/model-version.service';

/** Lineage as a graph: upstream from a version to its run, data, features, code and configuration; downstream from a snapshot or run to every version built on it. */
@Injectable()
export class LineageService {
  constructor(
    private readonly versions: ModelVersionService,
    private readonly repository: ModelVersionRepository,
  ) {}

  async upstream(modelName: string, version: number): Promise<LineageGraph> {
    return upstreamGraph(await this.versions.get(modelName, { version }));
  }

  async downstream(subject: DownstreamSubject): Promise<LineageGraph> {
    const id = subject.kind === 'snapshot' ? subject.snapshotId : subject.runId;
    if (!id) throw RpcError.invalidArgument(`a ${subject.kind} id is required`, [{ field: subject.kind === 'snapshot' ? 'snapshot_id' : 'run_id', description: 'is required' }]);
    const versions = await this.repository.derivedFrom(subject.kind === 'snapshot' ? { snapshotId: subject.snapshotId } : { runId: subject.runId });
    return downstreamGraph(subject, versions);
  }
}
