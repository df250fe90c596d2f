import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * The size budget of the kit: every component, hook and the client (minified, React excluded)
 * plus styles.css, gzipped. Fails above the budget so a regression cannot slip in.
 */
const SIZE_BYTES_MAX = 40 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const kit = await build({
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  jsx: 'automatic',
  write: false,
  external: ['react', 'react-dom', 'react/jsx-runtime'],
  define: { 'process.env.NODE_ENV': '"production"' },
});
const css = await build({
  entryPoints: [join(root, 'src/styles.css')],
  minify: true,
  write: false,
  bundle: true,
});
const elements = await build({
  entryPoints: [join(root, 'src/elements.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  jsx: 'automatic',
  write: false,
  loader: { '.css': 'text' },
  define: { 'process.env.NODE_ENV': '"production"' },
});

const js = kit.outputFiles[0]!.contents;
const styles = css.outputFiles[0]!.contents;
const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const total = gz(Buffer.concat([js, styles]));
const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
console.log(
  `@tollgate/react  js ${kb(gz(js))} + css ${kb(gz(styles))} = ${kb(total)} gzipped (budget ${kb(SIZE_BYTES_MAX)}, React excluded)`,
);
console.log(`elements.js (React included) ${kb(gz(elements.outputFiles[0]!.contents))} gzipped`);
if (total > SIZE_BYTES_MAX) {
  console.error(`over budget by ${kb(total - SIZE_BYTES_MAX)}`);
  process.exit(1);
}
