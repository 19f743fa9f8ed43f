// What every reproduction script does around its scenario: check that network namespaces work
// here, start a 3-node cluster target in a temp run directory, run the scenario, tear it all
// down, and exit 1 when the bug was reproduced, 0 when not, 2 when it could not run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusterTarget } from '../cluster-target.js';
import { netnsAvailability } from '../netns.js';

export const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

type ClusterTarget = Awaited<ReturnType<typeof startClusterTarget>>;

/** Runs `scenario` (resolving to whether it reproduced the bug) on a fresh cluster, then exits. */
export function runRepro(name: string, scenario: (target: ClusterTarget) => Promise<boolean>, options: { readonly secret?: string } = {}): void {
  const main = async (): Promise<number> => {
    const availability = await netnsAvailability();
    if (!availability.available) {
      say(`cannot run here: ${availability.reason}`);
      return 2;
    }
    const runDir = mkdtempSync(join(tmpdir(), `hbj-repro-${name}-`));
    const target = await startClusterTarget({ nodes: ['n1', 'n2', 'n3'], runDir, clock: false, opTimeoutMs: 15_000, connections: 2, ...options });
    try {
      return (await scenario(target)) ? 1 : 0;
    } finally {
      await target.destroy();
      rmSync(runDir, { recursive: true, force: true });
    }
  };
  main().then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  });
}
