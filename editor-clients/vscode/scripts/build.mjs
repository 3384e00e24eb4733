// Bundles the extension (dist/extension.js) or the unit tests (out/test/unit/*.test.js) with
// esbuild. Usage: node scripts/build.mjs [--tests] [--watch] [--production]
import { build, context } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production') || process.env.NODE_ENV === 'production';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

let options;
if (args.has('--tests')) {
  const dir = join(root, 'test', 'unit');
  const entryPoints = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join('test', 'unit', f));
  // The pure modules only: importing `vscode` from a unit test is a mistake, and fails here.
  options = { ...common, entryPoints, outdir: join(root, 'out', 'test', 'unit'), sourcemap: 'inline' };
} else {
  options = {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: join(root, 'dist', 'extension.js'),
    external: ['vscode'],
  };
}

if (args.has('--watch')) {
  const ctx = await context({
    ...options,
    plugins: [
      {
        name: 'watch-log',
        setup(b) {
          // The "$esbuild-watch" problem matcher (connor4312.esbuild-problem-matchers) keys on these.
          b.onStart(() => console.log('[watch] build started'));
          b.onEnd((r) => {
            for (const e of r.errors) console.error(`✘ [ERROR] ${e.text}\n    ${e.location?.file}:${e.location?.line}:${e.location?.column}:`);
            console.log('[watch] build finished');
          });
        },
      },
    ],
  });
  await ctx.watch();
} else {
  await build(options);
}
