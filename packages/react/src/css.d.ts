// The elements bundle inlines styles.css as text (esbuild's `text` loader) to adopt it in shadow roots.
declare module '*.css' {
  const text: string;
  export default text;
}
