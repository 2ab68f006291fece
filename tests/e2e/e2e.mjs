// End-to-end test of the web demo in headless Chromium (Debian's), driven by
// playwright-core. It starts scripts/serve.mjs itself and runs two scenarios:
//   upload:     pick an audio file, type a transcript, classify
//   microphone: record ~3 s from Chromium's fake microphone, classify
// and checks the result on the page. Any request to another host, uncaught
// error, console error or HTTP error fails the run.
//
//   tests/e2e/run.sh                      (installs, picks the microphone WAV, runs)
//   npm ci && E2E_MIC_WAV=../shared/reference/opensmile/ravdess_03-01-04-01-01-02-08.wav node tests/e2e/e2e.mjs   (from the root)
//
// Environment:
//   E2E_MIC_WAV  16-bit PCM WAV for the fake microphone (required; run.sh uses a shared one)
//   E2E_AUDIO    file to upload (default ../shared/data/ravdess/Actor_01/03-01-05-01-01-01-01.flac
//                from the repository root: an angry RAVDESS recording)
//   E2E_BACKEND  cpu (default), webgpu or auto
//   E2E_PKG      the wasm package directory to serve at /pkg/ (default pkg/)
//   CHROMIUM     the Chromium binary (default /usr/lib/chromium/chromium, then /usr/bin/chromium)
import { spawn } from 'node:child_process';
import { existsSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULT_TIMEOUT_MS = 120_000;
const RECORD_MS = 3_000;
const EMOTIONS = { ang: 'angry', hap: 'happy', neu: 'neutral', sad: 'sad' };
const TRANSCRIPT = "I can't believe you did this again, I am so angry with you!";

class TestFailure extends Error {}
const check = (ok, message) => {
  if (!ok) throw new TestFailure(message);
};

// --- configuration -------------------------------------------------------

function config() {
  const audio = resolve(process.env.E2E_AUDIO ?? join(repoRoot, '../shared/data/ravdess/Actor_01/03-01-05-01-01-01-01.flac'));
  check(existsSync(audio), `E2E_AUDIO: no such file ${audio} (the shared data is expected at ../shared beside the repository)`);
  const micWav = process.env.E2E_MIC_WAV;
  check(
    micWav,
    'E2E_MIC_WAV is not set: it must name a 16-bit PCM WAV for the fake microphone, e.g. ' +
      '../shared/reference/opensmile/ravdess_03-01-04-01-01-02-08.wav (tests/e2e/run.sh sets it).',
  );
  checkPcm16Wav(resolve(micWav));
  const backend = process.env.E2E_BACKEND ?? 'cpu';
  check(['cpu', 'webgpu', 'auto'].includes(backend), `E2E_BACKEND must be cpu, webgpu or auto, not '${backend}'`);
  const candidates = [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].filter(Boolean);
  const browser = candidates.find((path) => existsSync(path));
  check(browser, `no Chromium found (tried ${candidates.join(', ')}): apt-get install chromium, or set CHROMIUM`);
  return { audio, micWav: resolve(micWav), backend, browser, pkg: process.env.E2E_PKG };
}

// Chromium's fake capture reads only 16-bit PCM WAV; a wrong file would
// silently give an empty recording, so check the header first.
function checkPcm16Wav(path) {
  check(existsSync(path), `E2E_MIC_WAV: no such file ${path}`);
  const header = Buffer.alloc(36);
  const fd = openSync(path, 'r');
  readSync(fd, header, 0, 36, 0);
  closeSync(fd);
  const ok =
    header.toString('ascii', 0, 4) === 'RIFF' &&
    header.toString('ascii', 8, 12) === 'WAVE' &&
    header.toString('ascii', 12, 16) === 'fmt ' &&
    header.readUInt16LE(20) === 1 &&
    header.readUInt16LE(34) === 16;
  check(ok, `E2E_MIC_WAV: ${path} is not a 16-bit PCM WAV (convert it: sox IN -b 16 -e signed-integer OUT.wav)`);
}

// --- server --------------------------------------------------------------

function startServer(pkg) {
  const args = [join(repoRoot, 'scripts/serve.mjs'), '--port', '0', ...(pkg ? ['--pkg', pkg] : [])];
  const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new TestFailure(`the server printed no address within 15 s: ${out}${err}`)), 15_000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/emorec demo: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ url: match[1], stop: () => server.kill('SIGTERM') });
      }
    });
    server.stderr.on('data', (chunk) => (err += chunk));
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new TestFailure(`the server exited (${code}) before listening:\n${err.trim()}`));
    });
  });
}

// --- browser -------------------------------------------------------------

const isLocal = (url) => {
  const { protocol, hostname } = new URL(url);
  return protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1';
};

/** Opens the page in a fresh browser and records everything that must not happen. */
async function openPage(cfg, baseUrl, { args = [], permissions = [] }) {
  const browser = await chromium.launch({
    executablePath: cfg.browser,
    headless: true,
    args: ['--no-sandbox', ...(cfg.backend === 'cpu' ? [] : ['--enable-unsafe-webgpu']), ...args],
  });
  const session = { browser, problems: [], requests: [] };
  const { problems, requests } = session;
  const context = await browser.newContext({ permissions });
  // The context sees the worker's requests and console too, not only the page's.
  context.on('request', (request) => {
    requests.push(request.url());
    if (!isLocal(request.url())) problems.push(`request to another host: ${request.url()}`);
  });
  context.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  context.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  context.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  context.on('weberror', (error) => problems.push(`uncaught error: ${error.error().message}`));
  const page = (session.page = await context.newPage());
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.setDefaultTimeout(30_000);
  await page.goto(`${baseUrl}?backend=${cfg.backend}`);
  // Choose the backend in the page too, as a person would (the page does not
  // reload a backend that is already the chosen one).
  await page.getByTestId('backend-choice').selectOption(cfg.backend);
  return session;
}

/**
 * Polls done() in the page until it holds; fails early with the page's own
 * error message if one shows.
 */
async function waitOrError(page, done, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const error = (await page.getByTestId('error').textContent()).trim();
    check(!error, `${what}: the page shows "${error}"`);
    if (await page.evaluate(done)) return;
    check(Date.now() < deadline, `${what}: nothing after ${timeoutMs / 1000} s`);
    await page.waitForTimeout(100);
  }
}

const waitModelReady = (page) =>
  waitOrError(page, () => document.querySelector('[data-testid="status"]').textContent.startsWith('Model ready'),
    'loading the model', RESULT_TIMEOUT_MS);

const waitClassifyEnabled = (page, what) =>
  waitOrError(page, () => !document.querySelector('[data-testid="classify"]').disabled, what, 30_000);

/** Clicks Classify, waits for the result and checks what the page shows. */
async function classifyAndCheck(page, cfg, { expectWords }) {
  await page.getByTestId('classify').click();
  await waitOrError(page, () => document.querySelector('[data-testid="result-label"]').textContent.trim() !== '',
    'classifying', RESULT_TIMEOUT_MS);
  const seen = await page.evaluate(() => {
    const byId = (id) => document.querySelector(`[data-testid="${id}"]`);
    const heatmap = byId('frame-heatmap');
    const pixels = heatmap.getContext('2d').getImageData(0, 0, heatmap.width, heatmap.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    const modality = byId('modality-weights').dataset;
    return {
      code: byId('result-label').dataset.label,
      label: byId('result-label').textContent.trim(),
      backend: byId('backend').textContent.trim(),
      heatmapLabel: heatmap.getAttribute('aria-label') ?? '',
      heatmapPainted: painted,
      heatmapPixels: pixels.length / 4,
      probabilities: [...byId('probabilities').querySelectorAll('li')].map((li) => [li.dataset.label, Number(li.dataset.p)]),
      words: byId('word-attention').querySelectorAll('.word').length,
      modality: Number(modality.audio) + Number(modality.text),
      features: document.getElementById('time-features').textContent,
      inference: document.getElementById('time-inference').textContent,
      load: document.getElementById('time-load').textContent,
    };
  });
  check(EMOTIONS[seen.code] === seen.label,
    `result-label shows '${seen.label}' (${seen.code}), not one of ${Object.values(EMOTIONS).join(', ')}`);
  check(['cpu', 'webgpu'].includes(seen.backend), `backend shows '${seen.backend}', not cpu or webgpu`);
  check(cfg.backend === 'auto' || seen.backend === cfg.backend, `backend shows '${seen.backend}' but ${cfg.backend} was chosen`);
  check(/^Frame attention: strongest at /.test(seen.heatmapLabel), `the heatmap's aria-label is '${seen.heatmapLabel}'`);
  check(seen.heatmapPainted > 0, `the heatmap canvas is blank (${seen.heatmapPixels} pixels)`);
  check(seen.probabilities.length === 4, `${seen.probabilities.length} probability rows, not 4`);
  const sum = seen.probabilities.reduce((total, [, p]) => total + p, 0);
  check(Math.abs(sum - 1) < 0.01, `the probabilities sum to ${sum}: ${JSON.stringify(seen.probabilities)}`);
  check(Math.abs(seen.modality - 1) < 0.01, `the modality weights sum to ${seen.modality}`);
  check(expectWords ? seen.words > 0 : seen.words === 0,
    `${seen.words} shaded words, but the transcript was ${expectWords ? 'given' : 'empty'}`);
  return seen;
}

// --- scenarios -----------------------------------------------------------

const upload = {
  name: 'upload',
  browser: () => ({}),
  async steps(page, cfg) {
    await waitModelReady(page);
    await page.getByTestId('audio-file').setInputFiles(cfg.audio);
    await page.getByTestId('transcript').fill(TRANSCRIPT);
    await waitClassifyEnabled(page, 'decoding the file');
    return classifyAndCheck(page, cfg, { expectWords: true });
  },
};

const microphone = {
  name: 'microphone',
  browser: (cfg) => ({
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${cfg.micWav}`,
    ],
    permissions: ['microphone'],
  }),
  async steps(page, cfg) {
    await waitModelReady(page);
    const record = page.getByTestId('record');
    await record.click();
    await waitOrError(page, () => document.querySelector('[data-testid="record"]').dataset.recording === 'true',
      'starting the recording', 30_000);
    // Sample the level meter while recording: it must show sound arriving.
    let loudest = 0;
    for (let t = 0; t < RECORD_MS; t += 250) {
      await page.waitForTimeout(250);
      loudest = Math.max(loudest, await page.locator('#level').evaluate((meter) => meter.value));
    }
    await record.click();
    await waitClassifyEnabled(page, 'stopping the recording');
    const caption = await page.locator('#audio-caption').textContent();
    const recorded = Number(caption.match(/([\d.]+) s at/)?.[1]);
    check(recorded > 2 && recorded < 8, `recorded ${recorded} s, expected about ${RECORD_MS / 1000} s (caption: ${caption})`);
    check(loudest > 0, 'the level meter never moved while recording');
    return { ...(await classifyAndCheck(page, cfg, { expectWords: false })), recorded };
  },
};

async function run(scenario, cfg, url) {
  let session;
  try {
    session = await openPage(cfg, url, scenario.browser(cfg));
    const seen = await scenario.steps(session.page, cfg);
    check(session.requests.some((u) => new URL(u).pathname.endsWith('/pkg/index.js')), 'the worker never requested pkg/index.js');
    check(session.problems.length === 0, `the page misbehaved:\n  ${session.problems.join('\n  ')}`);
    console.log(
      `PASS ${scenario.name}: ${seen.label} (backend ${seen.backend}; features ${seen.features}, ` +
        `inference ${seen.inference}, model load ${seen.load}${seen.recorded ? `; recorded ${seen.recorded} s` : ''})`,
    );
    return true;
  } catch (err) {
    console.log(`FAIL ${scenario.name}: ${err instanceof TestFailure ? err.message : err.stack}`);
    // Console errors and failed requests usually say why.
    const problems = session?.problems ?? [];
    if (problems.length && !err.message.startsWith('the page misbehaved')) {
      console.log(`  also seen:\n  ${problems.join('\n  ')}`);
    }
    return false;
  } finally {
    await session?.browser.close();
  }
}

async function main() {
  let cfg;
  try {
    cfg = config();
  } catch (err) {
    console.error(`e2e: ${err.message}`);
    process.exit(2);
  }
  let server;
  try {
    server = await startServer(cfg.pkg);
  } catch (err) {
    console.error(`e2e: ${err.message}`);
    process.exit(2);
  }
  console.log(`e2e: ${server.url} with ${cfg.browser}, backend ${cfg.backend}`);
  const results = [];
  try {
    for (const scenario of [upload, microphone]) results.push(await run(scenario, cfg, server.url));
  } finally {
    server.stop();
  }
  const passed = results.filter(Boolean).length;
  console.log(`${passed} passed, ${results.length - passed} failed`);
  process.exit(passed === results.length ? 0 : 1);
}

main();
