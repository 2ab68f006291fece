#!/usr/bin/env node
// Static server for the emorec demo, with no dependencies beyond Node (v18+).
//
//   node scripts/serve.mjs [--port 8080] [--root www] [--pkg pkg]
//
// Serves ROOT (default www/) at / and PKG (default pkg/, made by
// scripts/build-web.sh) at /pkg/, so that www/worker.js can import
// ./pkg/index.js. Listens on 127.0.0.1 only. --port 0 picks a free port.
// Prints "emorec demo: http://127.0.0.1:PORT/" once it listens (tests parse
// that line).
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
};

// Headers on every response. no-store: a rebuilt pkg/ must never be shadowed
// by a cached copy. The CSP makes the browser itself refuse any request that
// leaves this origin (the page promises that nothing leaves the machine);
// 'wasm-unsafe-eval' is what WebAssembly compilation needs under a CSP.
// COOP/COEP make the page cross-origin isolated, which SharedArrayBuffer (wasm
// threads) would need; everything is same-origin, so they cost nothing.
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; " +
    "worker-src 'self'; style-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function fail(message) {
  console.error(`serve.mjs: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { port: 8080, root: join(repoRoot, 'www'), pkg: join(repoRoot, 'pkg') };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '-h' || flag === '--help') {
      console.log('usage: node scripts/serve.mjs [--port 8080] [--root www] [--pkg pkg]');
      process.exit(0);
    }
    if (!['--port', '--root', '--pkg'].includes(flag)) fail(`unknown argument '${argv[i]}' (try --help)`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) fail(`--port must be 0-65535, not '${value}'`);
      opts.port = Number(value);
    } else {
      opts[flag.slice(2)] = resolve(value); // given paths are relative to the current directory
    }
  }
  return opts;
}

// Maps a URL path to a file under one of the two trees, or null when it does
// not belong to them. Segments are checked after decoding, so %2e%2e and %2f
// cannot climb out; the final prefix check is a second guard.
function toFilePath(pathname, opts) {
  let base = opts.root;
  let rest = pathname;
  if (pathname === '/pkg' || pathname.startsWith('/pkg/')) {
    base = opts.pkg;
    rest = pathname.slice('/pkg'.length);
  }
  const segments = [];
  for (const raw of rest.split('/')) {
    let seg;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '' || seg === '.') continue;
    if (seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) return null;
    segments.push(seg);
  }
  const file = join(base, ...segments);
  if (file !== base && !file.startsWith(base + sep)) return null;
  return file;
}

function sendText(res, status, text, extra = {}) {
  const body = `${text}\n`;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(req, res, opts) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendText(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
  }
  const url = new URL(req.url, `http://${HOST}`);
  let file = toFilePath(url.pathname, opts);
  if (file === null) return sendText(res, 400, 'bad path');

  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    // Relative links in index.html need the trailing slash.
    if (!url.pathname.endsWith('/')) {
      return sendText(res, 301, 'moved', { Location: `${url.pathname}/${url.search}` });
    }
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return sendText(res, 404, `not found: ${url.pathname}`);

  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(join(opts.root, 'index.html'))) fail(`no index.html in ${opts.root} (--root)`);
if (!existsSync(opts.pkg) || !statSync(opts.pkg).isDirectory() || !existsSync(join(opts.pkg, 'index.js'))) {
  fail(`the wasm package is missing: no ${join(opts.pkg, 'index.js')}. Run scripts/build-web.sh first (or pass --pkg DIR).`);
}

const server = createServer((req, res) => {
  handle(req, res, opts).catch((err) => {
    console.error(`serve.mjs: ${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent) sendText(res, 500, 'internal error');
    else res.destroy();
  });
});
server.on('error', (err) => {
  if (err.code === 'EADDRINUSE') {
    fail(`port ${opts.port} is already in use on ${HOST}: pick another with --port N, or --port 0 for a free one`);
  }
  fail(`cannot listen on ${HOST}:${opts.port}: ${err.message}`);
});
server.listen(opts.port, HOST, () => {
  console.log(`emorec demo: http://${HOST}:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
