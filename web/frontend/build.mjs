// Builds the browser bundles into web/static/vendor/ (committed; the app needs no Node at run time).
// Usage: node build.mjs   (scripts/build-frontend.sh runs npm ci first)
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../static/vendor');
const require = createRequire(import.meta.url);

async function checkLintRules() {
  // src/lint/config.js packs bpmnlint's recommended rules by hand: fail if one is missing
  const recommended = Object.keys(require('bpmnlint/config/recommended.js').rules);
  const packed = await readFile(path.join(here, 'src/lint/config.js'), 'utf8');
  const missing = recommended.filter((rule) => !packed.includes(`'bpmnlint/rules/${rule}.js'`));
  if (missing.length) {
    throw new Error(`src/lint/config.js lacks recommended rules: ${missing.join(', ')}`);
  }
}

const common = {
  bundle: true,
  minify: true,
  logLevel: 'warning',
  legalComments: 'none',
  target: ['es2020'],
  define: { 'process.env.NODE_ENV': '"production"' }
};

async function build() {
  await checkLintRules();
  await mkdir(out, { recursive: true });
  await esbuild.build({
    ...common,
    format: 'iife',
    entryPoints: {
      'bpmn-viewer': path.join(here, 'src/viewer.js'),
      'bpmn-modeler': path.join(here, 'src/modeler.js')
    },
    outdir: out
  });
  await esbuild.build({
    ...common,
    entryPoints: {
      'bpmn': path.join(here, 'src/bpmn.css'),
      'bpmn-modeler': path.join(here, 'src/bpmn-modeler.css')
    },
    loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.svg': 'dataurl' },
    outdir: out
  });
  const echarts = require.resolve('echarts/dist/echarts.min.js');
  await copyFile(echarts, path.join(out, 'echarts.min.js'));
  for (const name of ['bpmn-viewer.js', 'bpmn.css', 'bpmn-modeler.js', 'bpmn-modeler.css', 'echarts.min.js']) {
    const { size } = await stat(path.join(out, name));
    console.log(`${name.padEnd(18)} ${(size / 1024).toFixed(0).padStart(6)} KiB`);
  }
}

// the one map (应急一张图): our script with Leaflet into web/static/map.js, Leaflet's css
// (its few images inlined) into vendor/leaflet.css
async function buildMap() {
  await esbuild.build({
    ...common,
    format: 'iife',
    entryPoints: { map: path.join(here, 'src/map.js') },
    outdir: path.resolve(here, '../static')
  });
  await esbuild.build({
    ...common,
    entryPoints: { leaflet: require.resolve('leaflet/dist/leaflet.css') },
    loader: { '.png': 'dataurl', '.svg': 'dataurl' },
    outdir: out
  });
}

(process.argv[2] === 'map' ? buildMap() : build().then(buildMap)).catch((err) => {
  console.error(err);
  process.exit(1);
});
