// A Clock for service tests: time moves only when the test says; timers are never fired by it
// (tests call the service's pass directly).
import type { Clock } from '../../../../src/core/clock.js';

export class ManualClock implements Clock {
  constructor(public nowMsValue: number) {}
  nowMs(): number {
    return this.nowMsValue;
  }
  monotonicMs(): number {
    return this.nowMsValue;
  }
  setTimer(): () => void {
    return () => undefined;
  }
  advance(ms: number): void {
    this.nowMsValue += ms;
  }
}
