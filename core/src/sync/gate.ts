/**
 * A shared/exclusive gate between upload requests and the reconciliation of an upload whose
 * response was lost. Reconciliation looks for untagged assets with the expected names and sizes.
 * An upload still in flight could store a look-alike that another batch then adopts by mistake,
 * so reconciliation waits until no upload is in flight, and no upload starts while it runs.
 */
export class UploadGate {
  private shared = 0;
  private exclusive = false;
  private waitingExclusive = 0;
  private waiters: Array<() => void> = [];

  /** Waits until uploads may run, then counts one more in flight. */
  async acquireShared(): Promise<void> {
    while (this.exclusive || this.waitingExclusive > 0) await this.wait();
    this.shared += 1;
  }

  releaseShared(): void {
    this.shared -= 1;
    this.wakeAll();
  }

  /** Waits until no upload is in flight and no other reconciliation runs. */
  async acquireExclusive(): Promise<void> {
    this.waitingExclusive += 1;
    while (this.exclusive || this.shared > 0) await this.wait();
    this.waitingExclusive -= 1;
    this.exclusive = true;
  }

  releaseExclusive(): void {
    this.exclusive = false;
    this.wakeAll();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Limits how many calls of one kind run at once. */
export class Limiter {
  private running = 0;
  private queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running += 1;
    }

    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
