import { type InferenceSession } from 'onnxruntime-node';
import { type ServableVersion } from '../domain/servable-version';
import { LoadedModel } from './loaded-model';

const servable: ServableVersion = { modelName: 'm', version: 1, artifactDigest: `sha256:${'0'.repeat(64)}`, artifactSize: 1, signature: { inputs: [], outputs: [] } };

function fakeSession() {
  const session = { released: 0, release: () => Promise.resolve(void session.released++) };
  return session;
}

describe('LoadedModel draining', () => {
  it('releases the session at once when nobody holds the model', async () => {
    const session = fakeSession();
    const model = new LoadedModel(servable, session as unknown as InferenceSession, new Date());
    expect(await model.unload(1_000)).toEqual({ forced: false });
    expect(session.released).toBe(1);
  });

  it('waits for every holder (a request routed here but still waiting for admission) before releasing', async () => {
    const session = fakeSession();
    const model = new LoadedModel(servable, session as unknown as InferenceSession, new Date());
    const first = model.hold();
    const second = model.hold();
    const unloaded = model.unload(60_000);
    first();
    first(); // a second release of one hold counts once
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.released).toBe(0);
    second();
    expect(await unloaded).toEqual({ forced: false });
    expect(session.released).toBe(1);
  });

  it('releases anyway after the drain timeout, and says it was forced', async () => {
    const session = fakeSession();
    const model = new LoadedModel(servable, session as unknown as InferenceSession, new Date());
    model.hold();
    expect(await model.unload(10)).toEqual({ forced: true });
    expect(session.released).toBe(1);
  });
});
