// Builds the browser files the server serves (PROTOCOL.md §10) into the folder given as the
// first argument (scripts/build_web.sh passes newage_desktop/web/lib). Run from a folder whose
// node_modules was installed from this folder's package-lock.json.
//
//   socket.io.js                    socket.io-client's own browser build (classic, window.io)
//   Socket.io/socket.io.js          socket.io-client's own ESM build (exports io)
//   @sap_oss/node-socketio-stream.js  classic script defining window.ss, Node built-ins polyfilled
//   uuid/uuid.js                    ESM exporting uuidv4
import { build } from 'esbuild';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const target = process.argv[2];
if (!target) {
  console.error('usage: node build.mjs OUTPUT_DIR');
  process.exit(2);
}
const require = createRequire(path.join(process.cwd(), 'package.json'));
const clientDist = path.join(process.cwd(), 'node_modules', 'socket.io-client', 'dist');

// Built beside the target and swapped in at the end: a failed build leaves the old files.
const out = `${target}.tmp`;
await rm(out, { recursive: true, force: true });
await mkdir(path.join(out, 'Socket.io'), { recursive: true });
await mkdir(path.join(out, '@sap_oss'), { recursive: true });
await mkdir(path.join(out, 'uuid'), { recursive: true });

// The published builds, byte for byte: their version banner says which release is served.
await copyFile(path.join(clientDist, 'socket.io.min.js'), path.join(out, 'socket.io.js'));
await copyFile(path.join(clientDist, 'socket.io.esm.min.js'), path.join(out, 'Socket.io', 'socket.io.js'));

// The library is written for Node (stream, util, events, Buffer, process, global); the
// npm ports of those stand in for them, as browserify did for the upstream bundle.
const shims = path.join(process.cwd(), 'node-shims.mjs');
await writeFile(
  shims,
  "import { Buffer } from 'buffer';\nimport process from 'process';\nexport { Buffer, process };\n",
);
const common = { bundle: true, minify: true, legalComments: 'eof', logLevel: 'warning', target: 'es2019' };
await build({
  ...common,
  entryPoints: [require.resolve('@sap_oss/node-socketio-stream')],
  outfile: path.join(out, '@sap_oss', 'node-socketio-stream.js'),
  platform: 'browser',
  format: 'iife',
  // A classic script: `var ss = …` at top level is window.ss, the function `ss(socket)`.
  globalName: 'ss',
  alias: { stream: 'stream-browserify' },
  inject: [shims],
  define: { global: 'globalThis' },
});
await build({
  ...common,
  stdin: { contents: "export { v4 as uuidv4, v4 } from 'uuid';\n", resolveDir: process.cwd(), loader: 'js' },
  outfile: path.join(out, 'uuid', 'uuid.js'),
  platform: 'browser',
  format: 'esm',
});
await rm(shims);
await rm(target, { recursive: true, force: true });
await rename(out, target);
