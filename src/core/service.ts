// The lifecycle contract of every background part, and a group that starts and stops them in order.
// Stop is idempotent and runs in reverse start order; a failed start stops what already started.

export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(options?: { readonly deadlineMs: number }): Promise<void>;
}

export class ServiceGroup {
  private readonly started: Service[] = [];

  constructor(private readonly services: readonly Service[]) {}

  async start(): Promise<void> {
    for (const service of this.services) {
      try {
        await service.start();
      } catch (error) {
        await this.stop();
        throw error;
      }
      this.started.push(service);
    }
  }

  async stop(): Promise<void> {
    while (this.started.length > 0) {
      const service = this.started.pop()!;
      await service.stop();
    }
  }
}
