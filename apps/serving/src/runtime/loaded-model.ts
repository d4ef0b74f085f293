import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { type ServableVersion } from '../domain/servable-version';
import { type FeedTensor, type OutputTensor } from '../domain/tensors';

/** One model version open in onnxruntime, with the requests holding it counted for draining. */
export class LoadedModel {
  private inFlight = 0;
  private drained?: () => void;
  /** The signature's input names, looked up on every request that merges online features. */
  readonly inputNames: ReadonlySet<string>;
  /** The signature's output names, what a request that names none gets. */
  readonly outputNames: readonly string[];

  constructor(
    readonly servable: ServableVersion,
    private readonly session: InferenceSession,
    readonly loadedAt: Date,
  ) {
    this.inputNames = new Set(servable.signature.inputs.map((i) => i.name));
    this.outputNames = servable.signature.outputs.map((o) => o.name);
  }

  /**
   * Holds the session open for a request from the moment it is routed here until it is done:
   * a request waiting for admission or online features when the version is swapped out still
   * runs on it. Call the returned function once.
   */
  hold(): () => void {
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.inFlight === 0) this.drained?.();
    };
  }

  /** Runs the graph; the caller holds the model (see {@link hold}). */
  async run(feeds: Readonly<Record<string, FeedTensor>>, outputNames: readonly string[]): Promise<Record<string, OutputTensor>> {
    const tensors: Record<string, Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) tensors[name] = new Tensor(feed.type, feed.data, feed.dims);
    return this.session.run(tensors, outputNames);
  }

  /** Resolves once no request holds the model (or at the timeout), then releases the native session. */
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
