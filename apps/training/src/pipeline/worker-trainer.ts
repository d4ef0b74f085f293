import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type PipelineProgress, type PipelineResult } from '../domain/pipeline/run-pipeline';
import { InvalidInputError } from '../domain/pipeline/table';
import { type WorkerInput, type WorkerMessage } from './training-worker';

/**
 * Runs a built-in pipeline in a worker thread: training is CPU-bound for minutes and must not stall
 * gRPC calls. Aborting terminates the thread, which stops the work at once.
 */
export function trainInWorker(input: WorkerInput, signal: AbortSignal, onProgress: (p: PipelineProgress) => void): Promise<PipelineResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'training-worker.js'), { workerData: input });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      finish();
    };
    const abort = () => settle(() => void worker.terminate().finally(() => reject(signal.reason as Error)));
    signal.addEventListener('abort', abort);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'result') settle(() => resolve(message.result));
      else settle(() => reject(message.invalidInput ? new InvalidInputError(message.message) : new Error(message.message)));
    });
    worker.on('error', (error: Error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the training worker exited with code ${code} before it answered`))));
  });
}
