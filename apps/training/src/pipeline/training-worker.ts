import { parentPort, workerData } from 'node:worker_threads';
import { type PipelineProgress, runBuiltinPipeline } from '../domain/pipeline/run-pipeline';
import { type PipelineSpec, type TrainerParams } from '../domain/pipeline/spec';
import { InvalidInputError, prepareDataset, type Table } from '../domain/pipeline/table';

/** A worker thread's whole job: one built-in pipeline run, off the service's event loop. */
export interface WorkerInput {
  table: Table;
  spec: PipelineSpec;
  trainer: Exclude<TrainerParams, { kind: 'external' }>;
  metadata: Record<string, string>;
}

export type WorkerMessage =
  | { type: 'progress'; progress: PipelineProgress }
  | { type: 'result'; result: ReturnType<typeof runBuiltinPipeline> }
  | { type: 'error'; invalidInput: boolean; message: string };

const port = parentPort!;
const { table, spec, trainer, metadata } = workerData as WorkerInput;
const send = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
try {
  const result = runBuiltinPipeline(prepareDataset(table, spec), spec, trainer, (progress) => send({ type: 'progress', progress }), metadata);
  send({ type: 'result', result }, [result.modelBytes.buffer as ArrayBuffer]);
} catch (error) {
  send({ type: 'error', invalidInput: error instanceof InvalidInputError, message: (error as Error).message });
}
