// Last-resort cleanup: synchronous hooks that run when the process exits or is told to stop, so a
// failed or interrupted run still removes its namespaces, cgroups and child processes.
// Hooks must be synchronous and must never throw; each runs once.

type Hook = () => void;

const hooks = new Map<number, Hook>();
let nextId = 1;
let installed = false;

function runAll(): void {
  const pending = [...hooks.values()].reverse();
  hooks.clear();
  for (const hook of pending) {
    try {
      hook();
    } catch {
      // A cleanup hook must not stop the others.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]);
    });
  }
}

/** Registers a hook; the returned function unregisters it (call it after a normal cleanup). */
export function onExit(hook: Hook): () => void {
  install();
  const id = nextId++;
  hooks.set(id, hook);
  return () => {
    hooks.delete(id);
  };
}
