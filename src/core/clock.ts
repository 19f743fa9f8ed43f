// The engine's one time source: wall time, monotonic time and cancellable timers. Injected so
// tests drive time; nothing else in core reads Date.now, performance.now or setTimeout for its logic.

export interface Clock {
  /** Wall-clock milliseconds since the epoch (server timestamps, versions, ages). */
  nowMs(): number;
  /** Monotonic milliseconds (durations and deadlines). */
  monotonicMs(): number;
  /** Runs `callback` once after `delayMs`; returns a cancel function. Real timers never keep the process alive. */
  setTimer(delayMs: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
