// Bundles the pages into dist/: assets/app-HASH.js and .css (with a gzipped copy each, which
// the Go handler serves to clients that take gzip) and index.html naming them. Everything in
// dist/ but the placeholder .gitkeep is replaced.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

mkdirSync(dist, { recursive: true });
for (const name of readdirSync(dist)) {
  if (name !== '.gitkeep') rmSync(join(dist, name), { recursive: true, force: true });
}

const result = await build({
  entryPoints: { app: join(root, 'src/main.js') },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

let js = '';
let css = '';
for (const out of Object.keys(result.metafile.outputs)) {
  const name = basename(out);
  if (name.endsWith('.js')) js = name;
  if (name.endsWith('.css')) css = name;
  if (name.endsWith('.js') || name.endsWith('.css')) {
    writeFileSync(`${out}.gz`, gzipSync(readFileSync(out), { level: 9 }));
  }
}
if (!js || !css) throw new Error(`bundle incomplete: js=${js} css=${css}`);

const html = readFileSync(join(root, 'src/index.html'), 'utf8')
  .replace('%APP_JS%', `/assets/${js}`)
  .replace('%APP_CSS%', `/assets/${css}`);
writeFileSync(join(dist, 'index.html'), html);
console.log(`web: built dist/index.html, assets/${js}, assets/${css}`);
