import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { type ServableVersion } from '../domain/servable-version';
import { type FeedTensor, type OutputTensor } from '../domain/tensors';

/** One model version open in onnxruntime, with the requests still using it counted for draining. */
export class LoadedModel {
  private inFlight = 0;
  private drained?: () => void;

  constructor(
    readonly servable: ServableVersion,
    private readonly session: InferenceSession,
    readonly loadedAt: Date,
  ) {}

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Runs the graph. The session stays open until every run started on it has finished. */
  async run(feeds: Readonly<Record<string, FeedTensor>>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    const tensors: Record<string, Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) tensors[name] = new Tensor(feed.type, feed.data, feed.dims);
    this.inFlight++;
    try {
      return await this.session.run(tensors, outputNames);
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** Resolves once no run is in flight (or at the timeout), then releases the native session. */
  async unload(timeoutMs: number): Promise<{ forced: boolean }> {
    let forced = false;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          forced = true;
          resolve();
        }, timeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.session.release();
    return { forced };
  }
}
