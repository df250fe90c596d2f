import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The kit is read from its source, so the demo shows the working tree without a build step first.
const kitSource = fileURLToPath(new URL('../../packages/react/src', import.meta.url));

/** How the kit's source is wired into the demo where Vite's defaults differ from the kit's build. */
function kitFromSource(): Plugin {
  return {
    name: 'tollgate-kit-from-source',
    enforce: 'pre',
    resolveId(source, importer) {
      // The custom elements import styles.css as text (the kit's esbuild `text` loader, to adopt
      // the sheet in shadow roots); Vite spells that `?inline`.
      if (source === './styles.css' && importer?.endsWith('/elements.ts'))
        return `${kitSource}/styles.css?inline`;
      // The kit's package.json says only CSS has side effects, so a bare
      // `import '@tollgate/react/elements'` (which only defines the elements) would be dropped.
      if (source === '@tollgate/react/elements')
        return { id: `${kitSource}/elements.ts`, moduleSideEffects: true };
      return null;
    },
  };
}

export default defineConfig({
  plugins: [kitFromSource(), react()],
  resolve: {
    alias: [
      { find: /^@tollgate\/react\/styles\.css$/, replacement: `${kitSource}/styles.css` },
      { find: /^@tollgate\/react$/, replacement: `${kitSource}/index.ts` },
    ],
  },
});
