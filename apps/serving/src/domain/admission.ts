/** Why a request was not admitted. */
export class AdmissionRefused extends Error {
  override name = 'AdmissionRefused';
  constructor(
    readonly reason: 'queue_full' | 'abandoned',
    message: string,
  ) {
    super(message);
  }
}

interface Waiter {
  admit: () => void;
  refuse: (error: unknown) => void;
}

/**
 * A bounded number of requests worked on at once and a bounded queue in front: under overload a
 * request is refused at once instead of waiting behind an unbounded backlog (latency stays bounded,
 * the client can retry elsewhere). A queued request whose caller gives up leaves the queue.
 */
export class Admission {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  get running(): number {
    return this.active;
  }

  /** Resolves with a release function once admitted; rejects AdmissionRefused when the queue is full or the signal aborts. */
  acquire(signal?: AbortSignal): Promise<() => void> | (() => void) {
    if (this.active < this.maxActive && this.waiting.length === 0) {
      this.active++;
      return this.releaser();
    }
    if (this.waiting.length >= this.maxWaiting) {
      throw new AdmissionRefused('queue_full', `server overloaded: ${this.active} requests running and ${this.waiting.length} waiting; retry with backoff`);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          signal?.removeEventListener('abort', abandon);
          this.active++;
          resolve(this.releaser());
        },
        refuse: reject,
      };
      const abandon = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new AdmissionRefused('abandoned', 'the caller cancelled or its deadline passed while the request was queued'));
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.admit();
    };
  }
}
