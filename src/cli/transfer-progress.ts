// Shows a backup's or restore's progress: a cli-progress bar (bytes, files, rate, time left) on a
// terminal, JSON lines otherwise (one per phase change, at most one a second in between).

import { SingleBar } from 'cli-progress';
import type { TransferProgress } from '../core/services/backup-manifest.js';

export interface ProgressOutput {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ProgressView {
  update(progress: TransferProgress): void;
  stop(): void;
}

export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function progressView(io: ProgressOutput, nowMs: () => number = Date.now): ProgressView {
  const startedMs = nowMs();
  const rate = (bytes: number): number => {
    const seconds = (nowMs() - startedMs) / 1000;
    return seconds > 0 ? bytes / seconds : 0;
  };
  if (io.stdout.isTTY === true) {
    const bar = new SingleBar({
      stream: io.stdout,
      format: '{phase} |{bar}| {percentage}% | {done}/{size} | {files}/{totalFiles} files | {rate}/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    });
    let started = false;
    let phase = '';
    return {
      update(progress) {
        const payload = { phase: progress.phase.padEnd(8), done: humanBytes(progress.bytes), size: humanBytes(progress.totalBytes), files: progress.files, totalFiles: progress.totalFiles, rate: humanBytes(rate(progress.bytes)) };
        if (!started || phase !== progress.phase) {
          if (started) bar.stop();
          bar.start(Math.max(progress.totalBytes, 1), progress.bytes, payload);
          started = true;
          phase = progress.phase;
          return;
        }
        bar.setTotal(Math.max(progress.totalBytes, 1));
        bar.update(progress.bytes, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastMs = -Infinity;
  let lastPhase = '';
  return {
    update(progress) {
      const now = nowMs();
      if (progress.phase === lastPhase && now - lastMs < 1000) return;
      lastMs = now;
      lastPhase = progress.phase;
      const perSecond = rate(progress.bytes);
      const line = {
        phase: progress.phase,
        files: progress.files,
        total_files: progress.totalFiles,
        bytes: progress.bytes,
        total_bytes: progress.totalBytes,
        bytes_per_second: Math.round(perSecond),
        eta_seconds: perSecond > 0 ? Math.round((progress.totalBytes - progress.bytes) / perSecond) : null,
      };
      io.stdout.write(JSON.stringify(line) + '\n');
    },
    stop() {},
  };
}
