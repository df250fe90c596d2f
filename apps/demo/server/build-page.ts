import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const DEMO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the page with Vite into a fresh temporary directory. A built bundle, not the dev server:
 * the dev server's dependency optimiser can reload a page mid-test when it discovers a dependency,
 * and a bundle needs nothing from the network.
 */
export async function buildPage(outDir = mkdtempSync(join(tmpdir(), 'tollgate-demo-'))): Promise<string> {
  await build({
    root: DEMO_ROOT,
    configFile: join(DEMO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}
