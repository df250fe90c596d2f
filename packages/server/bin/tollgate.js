#!/usr/bin/env node
// The CLI runs from TypeScript sources, as the rest of the monorepo does: tsx compiles on import,
// so a fresh clone works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { runProcess } = await import('../src/cli/main.ts');
await runProcess();
