// Time source for the Raft driver: wall time, monotonic time and cancellable timers.
// Injected so tests and the simulator can drive time; nothing in raft reads Date or timers directly except systemClock.

/** A pending timer; cancel() is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (for logs and events only; never for timeouts). */
  nowMs(): number;
  /** Monotonic milliseconds (for durations and deadlines). */
  monotonicMs(): number;
  /** Runs `callback` once after `delayMs`. Real timers are unref'd so they never keep a process alive. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** The real clock: Date.now, performance.now and unref'd setTimeout. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
