import { Admission, AdmissionRefused } from './admission';

const acquired = async (admission: Admission, signal?: AbortSignal) => admission.acquire(signal);

describe('Admission', () => {
  it('admits up to the limit at once, queues the next ones in order and admits them as others finish', async () => {
    const admission = new Admission(2, 2);
    const first = await acquired(admission);
    await acquired(admission);
    const order: string[] = [];
    const third = acquired(admission).then((release) => (order.push('third'), release));
    const fourth = acquired(admission).then((release) => (order.push('fourth'), release));
    expect(admission.running).toBe(2);
    expect(admission.queued).toBe(2);
    first();
    (await third)();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(admission.queued).toBe(0);
    expect(admission.running).toBe(2);
  });

  it('refuses at once with queue_full when the queue is full', async () => {
    const admission = new Admission(1, 1);
    await acquired(admission);
    void acquired(admission);
    let refused: unknown;
    try {
      void admission.acquire();
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AdmissionRefused);
    expect((refused as AdmissionRefused).reason).toBe('queue_full');
    expect((refused as AdmissionRefused).message).toContain('1 requests running and 1 waiting');
  });

  it('takes an abandoned request out of the queue, so it neither runs nor holds a place', async () => {
    const admission = new Admission(1, 1);
    const release = await acquired(admission);
    const controller = new AbortController();
    const abandoned = acquired(admission, controller.signal);
    controller.abort();
    await expect(abandoned).rejects.toMatchObject({ reason: 'abandoned' });
    expect(admission.queued).toBe(0);
    const next = acquired(admission);
    release();
    await next;
    expect(admission.running).toBe(1);
  });

  it('ignores a second release of the same admission', async () => {
    const admission = new Admission(1, 0);
    const release = await acquired(admission);
    release();
    release();
    expect(admission.running).toBe(0);
  });
});
