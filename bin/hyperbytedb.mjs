#!/usr/bin/env node
// Launches the TypeScript CLI through tsx: the package ships its sources, not a build.
// Nothing else belongs here; the command line lives in src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
await runCli(process.argv, process.env);
