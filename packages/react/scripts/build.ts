import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds dist/: index.js (ESM, React external, for bundlers), elements.js (custom elements with
 * React inside, for hosts without React), styles.css, and .d.ts files from tsc.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2020',
  jsx: 'automatic',
  logLevel: 'warning',
} as const;
await build({
  ...common,
  entryPoints: [join(root, 'src/index.ts')],
  outfile: join(dist, 'index.js'),
  external: ['react', 'react-dom', 'react/jsx-runtime'],
  sourcemap: true,
});
await build({
  ...common,
  entryPoints: [join(root, 'src/elements.ts')],
  outfile: join(dist, 'elements.js'),
  loader: { '.css': 'text' },
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
});
await build({ entryPoints: [join(root, 'src/styles.css')], outfile: join(dist, 'styles.css'), minify: true });
cpSync(join(root, 'src/styles.css'), join(dist, 'styles.src.css'));

execFileSync(
  process.execPath,
  [join(root, '../../node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// tsc keeps `.tsx` in declaration specifiers of type-only re-exports; consumers resolve `.js`.
for (const file of readdirSync(dist).filter((f) => f.endsWith('.d.ts'))) {
  const path = join(dist, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/from '(\.\/[^']+)\.tsx?'/g, "from '$1.js'"));
}
console.log(`built ${readdirSync(dist).length} files into ${dist}`);
