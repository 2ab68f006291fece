// End-to-end test of the web demo in headless Chromium (Debian's), driven by
// playwright-core. It starts scripts/serve.mjs itself and runs these scenarios:
//   upload:      pick an audio file, type a transcript, classify
//   microphone:  record ~3 s from Chromium's fake microphone, classify
//   package:     pkg/index.js called in the page: decode (FLAC, WAV, bad bytes),
//                Classifier.fromFiles on the served www/model/ against
//                Classifier.load, and a file the page cannot decode
//   timeline:    a 2-minute WAV (built here from ../shared/reference's
//                recordings, 12 s of silence inserted) gives a timeline of
//                many segments with a no-speech gap where the silence is
//   live:        live mode while recording 10 s from the fake microphone
//                gives several updates, and the worker's busy share
//   calibration: calibrate to the fake microphone's voice; it survives a
//                reload, a classification uses it, and it is gone after reset
//   batch:       three files (one with its .txt transcript) give three rows,
//                a CSV and a JSON export
//   recovery:    a hundred classifications in a row leave the worker's wasm
//                memory where it was after ten; a worker that dies is
//                reported, and the next Classify works on a new one
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
import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULT_TIMEOUT_MS = 120_000;
const RECORD_MS = 3_000;
const EMOTIONS = { ang: 'angry', hap: 'happy', neu: 'neutral', sad: 'sad' };
const TRANSCRIPT = "I can't believe you did this again, I am so angry with you!";
// `emorec predict`'s output for the shipped model on one shared recording.
const FIXTURE = JSON.parse(readFileSync(join(repoRoot, 'tests/fixtures/shipped_prediction.json'), 'utf8'));
// The model directory's files (served from www/model/), by Classifier.fromFiles' key.
const BUNDLE_FILES = {
  meta: 'model.json', config: 'config.toml', weights: 'weights.bpk', weightsF16: 'weights-f16.safetensors',
  inputs: 'inputs.toml', norm: 'norm.json', vocab: 'vocab.safetensors', ngramHead: 'ngram-head-f16.safetensors',
};

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

// The sample rate and length (frames) a file's header declares, for FLAC
// (STREAMINFO) and PCM WAV, so that decoding can be checked exactly; null for
// other formats. For WAV, also its frames mixed to mono as a decoder should.
function audioInfo(path) {
  const b = readFileSync(path);
  if (b.toString('ascii', 0, 4) === 'fLaC') {
    const sampleRate = (b[18] << 12) | (b[19] << 4) | (b[20] >> 4);
    const frames = (b[21] & 0x0f) * 2 ** 32 + b.readUInt32BE(22);
    return { sampleRate, frames };
  }
  if (b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WAVE') {
    let fmt = null;
    for (let at = 12; at + 8 <= b.length; ) {
      const id = b.toString('ascii', at, at + 4);
      const size = b.readUInt32LE(at + 4);
      if (id === 'fmt ') fmt = { channels: b.readUInt16LE(at + 10), sampleRate: b.readUInt32LE(at + 12), bits: b.readUInt16LE(at + 22) };
      if (id === 'data' && fmt?.bits === 16) {
        const frames = Math.floor(Math.min(size, b.length - at - 8) / (2 * fmt.channels));
        const mono = (i) => {
          let sum = 0;
          for (let c = 0; c < fmt.channels; c++) sum += b.readInt16LE(at + 8 + 2 * (i * fmt.channels + c)) / 32768;
          return sum / fmt.channels;
        };
        return { sampleRate: fmt.sampleRate, frames, head: Array.from({ length: Math.min(frames, 2000) }, (_, i) => mono(i)) };
      }
      at += 8 + size + (size & 1);
    }
  }
  return null;
}

// Bytes that start like no audio format, the same every run.
function noiseBytes(n) {
  const out = Buffer.alloc(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  out.write('NOISE', 0, 'ascii');
  return out;
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
    // The page decodes in the worker with the package's decoder, at the
    // file's own rate: the caption must show what the header says.
    const caption = await page.locator('#audio-caption').textContent();
    const [, shownS, shownRate] = caption.match(/([\d.]+) s at (\d+) Hz/) ?? [];
    const info = audioInfo(cfg.audio);
    if (info) {
      check(Number(shownRate) === info.sampleRate, `the caption says ${shownRate} Hz, the file is at ${info.sampleRate} Hz (caption: ${caption})`);
      const expectedS = info.frames / info.sampleRate;
      check(Math.abs(Number(shownS) - expectedS) < 0.006, `the caption says ${shownS} s, the file is ${expectedS.toFixed(3)} s (caption: ${caption})`);
    } else {
      check(Number(shownRate) > 0 && Number(shownS) > 0, `the caption shows no duration and rate: ${caption}`);
    }
    const seen = await classifyAndCheck(page, cfg, { expectWords: true });
    seen.probabilityOf = Object.fromEntries(seen.probabilities);
    return seen;
  },
};

// Chromium's fake microphone, playing cfg.micWav in a loop.
const fakeMicrophone = (cfg) => ({
  args: [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${cfg.micWav}`,
  ],
  permissions: ['microphone'],
});

const microphone = {
  name: 'microphone',
  browser: fakeMicrophone,
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

// What pkg/index.js does when a page calls it directly (the demo only calls
// it in its worker): runs in the page, returns what it saw for the checks
// below. Bytes come in as base64.
async function packageInPage({ flac, wav, noise, backend, transcripts, bundleFiles }) {
  const { Classifier, decode } = await import('/pkg/index.js');
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const failure = async (promise) => {
    try {
      await promise;
      return null;
    } catch (e) {
      return { isError: e instanceof Error, name: e?.name, message: String(e?.message ?? e) };
    }
  };
  const summary = (d) => ({
    type: Object.prototype.toString.call(d.samples),
    length: d.samples.length,
    sampleRate: d.sampleRate,
    finite: d.samples.every(Number.isFinite),
  });
  const out = {};

  // The same FLAC as a File, an ArrayBuffer and a Uint8Array that views the
  // middle of a larger buffer: the same samples each time.
  const flacBytes = bytes(flac);
  const padded = new Uint8Array(flacBytes.length + 16);
  padded.set(flacBytes, 8);
  const asFile = await decode(new File([flacBytes], 'upload.flac'));
  const asBuffer = await decode(flacBytes.slice().buffer);
  const asView = await decode(padded.subarray(8, 8 + flacBytes.length));
  out.flac = [asFile, asBuffer, asView].map(summary);
  out.flacSame = [asBuffer, asView].every((d) => d.samples.length === asFile.samples.length && d.samples.every((x, i) => x === asFile.samples[i]));
  const w = await decode(bytes(wav));
  out.wav = { ...summary(w), head: Array.from(w.samples.subarray(0, 2000)) };
  out.noise = await failure(decode(new File([bytes(noise)], 'noise.wav')));
  out.empty = await failure(decode(new Uint8Array(0)));
  out.notBytes = await failure(decode('upload.flac'));

  // The shipped model from its files, as a site with its own model would
  // load it, against the one embedded in the wasm.
  const files = {};
  for (const [key, name] of Object.entries(bundleFiles)) {
    const response = await fetch(`/model/${name}`);
    if (!response.ok) throw new Error(`GET /model/${name}: HTTP ${response.status}`);
    files[key] = key === 'meta' ? new Uint8Array(await response.arrayBuffer()) : await response.arrayBuffer();
  }
  const shipped = await Classifier.load({ backend });
  const fromFiles = await Classifier.fromFiles({ backend, files });
  out.backends = [shipped.backend, fromFiles.backend];
  out.results = {};
  for (const [key, transcript] of Object.entries(transcripts)) {
    out.results[key] = {
      load: await shipped.classify(asFile.samples, asFile.sampleRate, transcript),
      fromFiles: await fromFiles.classify(asFile.samples, asFile.sampleRate, transcript),
    };
  }
  out.resultCloneable = await failure(Promise.resolve().then(() => structuredClone(out.results.page.load)));
  out.missingFile = await failure(Classifier.fromFiles({ backend, files: { ...files, weights: undefined, weightsF16: undefined } }));
  out.unknownKey = await failure(Classifier.fromFiles({ backend, files: { ...files, 'model.json': files.meta } }));
  out.wrongType = await failure(Classifier.fromFiles({ backend, files: { ...files, config: 'hidden = 1' } }));
  out.noFiles = await failure(Classifier.fromFiles({ backend }));
  out.badConfig = await failure(Classifier.fromFiles({ backend, files: { ...files, config: new TextEncoder().encode('[[[ not toml') } }));
  shipped.free();
  fromFiles.free();
  return out;
}

const close = (a, b, tolerance) => Math.abs(a - b) <= tolerance;

const packageApi = {
  name: 'package',
  browser: () => ({}),
  async steps(page, cfg, earlier) {
    await waitModelReady(page);
    const flacInfo = audioInfo(cfg.audio);
    const wavInfo = audioInfo(cfg.micWav);
    const noise = noiseBytes(4096);
    const fixtureAudio = cfg.audio.endsWith(FIXTURE.audio);
    const out = await page.evaluate(packageInPage, {
      flac: readFileSync(cfg.audio).toString('base64'),
      wav: readFileSync(cfg.micWav).toString('base64'),
      noise: noise.toString('base64'),
      backend: cfg.backend,
      transcripts: { page: TRANSCRIPT, ...(fixtureAudio ? { fixture: FIXTURE.transcript } : {}) },
      bundleFiles: BUNDLE_FILES,
    });

    // decode
    for (const [i, d] of out.flac.entries()) {
      const as = ['a File', 'an ArrayBuffer', 'a Uint8Array view'][i];
      check(d.type === '[object Float32Array]', `decode of ${as} gave samples of type ${d.type}`);
      check(d.finite && d.length > 0, `decode of ${as} gave ${d.length} samples (finite: ${d.finite})`);
      if (flacInfo) {
        check(d.sampleRate === flacInfo.sampleRate, `decode of ${as}: ${d.sampleRate} Hz, the file is at ${flacInfo.sampleRate} Hz`);
        check(d.length === flacInfo.frames, `decode of ${as}: ${d.length} samples, the file has ${flacInfo.frames}`);
      }
    }
    check(out.flacSame, 'decode gave different samples for the same file as a File, an ArrayBuffer and a Uint8Array view');
    check(out.wav.sampleRate === wavInfo.sampleRate && out.wav.length === wavInfo.frames,
      `decode of the WAV: ${out.wav.length} samples at ${out.wav.sampleRate} Hz, the file has ${wavInfo.frames} at ${wavInfo.sampleRate} Hz`);
    const off = wavInfo.head.findIndex((x, i) => !close(x, out.wav.head[i], 1e-6));
    check(off < 0, `decode of the WAV: sample ${off} is ${out.wav.head[off]}, the file holds ${wavInfo.head[off]}`);
    check(out.noise?.isError && out.noise.name === 'Error' && /cannot decode audio in noise\.wav: not a supported audio format/.test(out.noise.message),
      `decode of random bytes: ${JSON.stringify(out.noise) ?? 'resolved'}, expected an Error saying they are not a supported format`);
    check(out.empty?.isError && /the file is empty/.test(out.empty.message), `decode of no bytes: ${JSON.stringify(out.empty) ?? 'resolved'}`);
    check(out.notBytes?.name === 'TypeError' && /decode's input must be a Blob/.test(out.notBytes.message),
      `decode of a string: ${JSON.stringify(out.notBytes) ?? 'resolved'}, expected a TypeError`);

    // fromFiles against load
    for (const b of out.backends) check(cfg.backend === 'auto' ? ['cpu', 'webgpu'].includes(b) : b === cfg.backend, `a classifier runs on ${b}, ${cfg.backend} was asked for`);
    for (const [key, { load, fromFiles }] of Object.entries(out.results)) {
      check(fromFiles.label === load.label, `${key} transcript: fromFiles says ${fromFiles.label}, load says ${load.label}`);
      for (const code of Object.keys(EMOTIONS)) {
        check(close(fromFiles.probabilities[code], load.probabilities[code], 1e-6),
          `${key} transcript: p(${code}) is ${fromFiles.probabilities[code]} from fromFiles, ${load.probabilities[code]} from load`);
      }
      check(fromFiles.frameAttention.length === load.frameAttention.length && fromFiles.words.join(' ') === load.words.join(' '),
        `${key} transcript: fromFiles and load attend over different frames or words`);
    }
    check(out.resultCloneable === null, `a result is not structured-cloneable: ${out.resultCloneable?.message}`);
    if (fixtureAudio) {
      // Decoded in wasm like `emorec predict` decodes, so the page agrees with it.
      const { load } = out.results.fixture;
      check(load.label === FIXTURE.label, `decode + classify says ${load.label}, emorec predict said ${FIXTURE.label}`);
      Object.keys(EMOTIONS).forEach((code, i) => check(close(load.probabilities[code], FIXTURE.probabilities[i], 5e-3), // as tests/wasm_classifier.rs (TOL)
        `decode + classify: p(${code}) is ${load.probabilities[code]}, emorec predict said ${FIXTURE.probabilities[i]}`));
    }
    const page_ = earlier.upload;
    if (page_) {
      // The upload scenario classified the same file and transcript through the worker.
      const { load } = out.results.page;
      check(page_.code === load.label, `the page showed ${page_.code}, the package in the page says ${load.label}`);
      for (const code of Object.keys(EMOTIONS)) {
        check(close(page_.probabilityOf[code], load.probabilities[code], 1e-6),
          `the page showed p(${code}) = ${page_.probabilityOf[code]}, the package in the page says ${load.probabilities[code]}`);
      }
    }
    check(out.missingFile?.name === 'TypeError' && /files\.weightsF16 \(weights-f16\.safetensors, for the CPU\) or files\.weights \(weights\.bpk, for WebGPU\) is missing/.test(out.missingFile.message),
      `fromFiles without weights: ${JSON.stringify(out.missingFile) ?? 'resolved'}`);
    check(out.unknownKey?.name === 'TypeError' && /unknown file key "model\.json"/.test(out.unknownKey.message),
      `fromFiles with a file name as key: ${JSON.stringify(out.unknownKey) ?? 'resolved'}`);
    check(out.wrongType?.name === 'TypeError' && /files\.config \(config\.toml\) must be/.test(out.wrongType.message),
      `fromFiles with a string for config: ${JSON.stringify(out.wrongType) ?? 'resolved'}`);
    check(out.noFiles?.name === 'TypeError', `fromFiles without files: ${JSON.stringify(out.noFiles) ?? 'resolved'}`);
    check(out.badConfig?.isError && out.badConfig.name === 'Error' && /config/.test(out.badConfig.message),
      `fromFiles with a broken config.toml: ${JSON.stringify(out.badConfig) ?? 'resolved'}, expected an Error naming the config`);

    // A file the page cannot decode: the library's message shows, and the
    // page stays usable.
    await page.getByTestId('audio-file').setInputFiles({ name: 'noise.wav', mimeType: 'audio/wav', buffer: noise });
    await page.waitForFunction(() => document.querySelector('[data-testid="error"]').textContent.trim() !== '');
    const shown = (await page.getByTestId('error').textContent()).trim();
    check(/cannot decode audio in noise\.wav/.test(shown), `after a file of random bytes the page shows "${shown}"`);
    check(await page.locator('#audio-view').isHidden(), 'the page shows a waveform for a file it could not decode');
    await page.getByTestId('audio-file').setInputFiles(cfg.audio);
    await waitClassifyEnabled(page, 'decoding the file after a bad one');
    const seen = await classifyAndCheck(page, cfg, { expectWords: false });
    return { ...seen, label: `${seen.label}; fromFiles = load = ${out.results.page.load.label}` };
  },
};

// --- long recordings, live, calibration, batch -------------------------------

const REFERENCE_DIR = join(repoRoot, '../shared/reference/opensmile');
const SILENCE_AT_S = 50;
const SILENCE_S = 12;

/** The 16-bit mono PCM frames of a WAV from ../shared/reference (all are 16 kHz mono). */
function pcm16(path) {
  const b = readFileSync(path);
  for (let at = 12; at + 8 <= b.length; ) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'data') return b.subarray(at + 8, at + 8 + Math.min(size, b.length - at - 8));
    at += 8 + size + (size & 1);
  }
  throw new TestFailure(`${path}: no data chunk`);
}

function wavFile(frames, sampleRate) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + frames.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(frames.length, 40);
  return Buffer.concat([header, frames]);
}

/**
 * Two minutes of speech: the shared reference recordings (RAVDESS and TESS
 * speakers) one after another with 0.8 s pauses, and SILENCE_S of digital
 * silence at the first pause after SILENCE_AT_S. Returns the WAV and where
 * the silence is.
 */
function longRecording() {
  check(existsSync(REFERENCE_DIR), `${REFERENCE_DIR} is missing (../shared beside the repository?)`);
  const rate = 16000;
  const files = readdirSync(REFERENCE_DIR).filter((f) => /^(ravdess|tess)_.*\.wav$/.test(f)).sort();
  check(files.length >= 10, `only ${files.length} reference recordings in ${REFERENCE_DIR}`);
  const parts = [];
  let frames = 0;
  let silence = null;
  const pause = (seconds) => {
    parts.push(Buffer.alloc(2 * Math.round(seconds * rate)));
    frames += Math.round(seconds * rate);
  };
  for (let i = 0; frames < 120 * rate; i++) {
    const pcm = pcm16(join(REFERENCE_DIR, files[i % files.length]));
    parts.push(pcm);
    frames += pcm.length / 2;
    if (!silence && frames >= SILENCE_AT_S * rate) {
      silence = { start: frames / rate, end: frames / rate + SILENCE_S };
      pause(SILENCE_S);
    } else {
      pause(0.8);
    }
  }
  return { wav: wavFile(Buffer.concat(parts), rate), silence, duration: frames / rate };
}

const timeline = {
  name: 'timeline',
  browser: () => ({}),
  async steps(page, cfg) {
    await waitModelReady(page);
    const { wav, silence, duration } = longRecording();
    await page.getByTestId('audio-file').setInputFiles({ name: 'two-minutes.wav', mimeType: 'audio/wav', buffer: wav });
    await waitClassifyEnabled(page, 'decoding the 2-minute file');
    const seen = await classifyAndCheck(page, cfg, { expectWords: false });
    const view = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="timeline"]');
      const pixels = t.getContext('2d').getImageData(0, 0, t.width, t.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return {
        segments: Number(t.dataset.segments),
        speech: Number(t.dataset.speechSegments),
        gaps: JSON.parse(t.dataset.gaps ?? '[]'),
        label: t.getAttribute('aria-label'),
        painted: painted / (pixels.length / 4),
        summary: document.querySelector('[data-testid="summary"]').textContent,
        rows: document.querySelectorAll('[data-testid="batch-results"] tr[data-kind="segment"]').length,
        files: document.querySelectorAll('[data-testid="batch-results"] tr[data-kind="file"]').length,
      };
    });
    check(view.segments >= 10 && view.speech >= 8,
      `a ${duration.toFixed(0)} s recording gave a timeline of ${view.segments} segments (${view.speech} with speech): ${view.label}`);
    const gap = view.gaps.find(([a, b]) => a <= silence.start + 0.5 && b >= silence.end - 0.5);
    check(gap, `no no-speech gap covers the silence at ${silence.start.toFixed(1)}–${silence.end.toFixed(1)} s: gaps ${JSON.stringify(view.gaps)}`);
    check(view.painted > 0.5, `the timeline canvas is ${(100 * view.painted).toFixed(0)} % painted`);
    check(/^Speech [\d.]+ s of [\d.]+ s, in \d+ segment/.test(view.summary), `the summary reads "${view.summary}"`);
    check(view.files === 1 && view.rows === view.segments,
      `the results table has ${view.files} file row(s) and ${view.rows} segment rows for ${view.segments} segments`);
    return { ...seen, label: `${seen.label}; ${view.segments} segments, gap ${gap[0].toFixed(1)}–${gap[1].toFixed(1)} s` };
  },
};

const LIVE_RECORD_MS = 10_000;

const live = {
  name: 'live',
  browser: fakeMicrophone,
  async steps(page, cfg) {
    await waitModelReady(page);
    await page.getByTestId('live').check();
    await page.getByTestId('record').click();
    await waitOrError(page, () => document.querySelector('[data-testid="record"]').dataset.recording === 'true',
      'starting the live recording', 30_000);
    const updatesAt = [];
    for (let t = 0; t < LIVE_RECORD_MS; t += 500) {
      await page.waitForTimeout(500);
      const error = (await page.getByTestId('error').textContent()).trim();
      check(!error, `while recording live the page shows "${error}"`);
      updatesAt.push(Number(await page.getByTestId('timeline').evaluate((c) => c.dataset.updates ?? 0)));
    }
    // Updates arrive while recording, not all at the end.
    const during = updatesAt[updatesAt.length - 1];
    const midway = updatesAt[Math.floor(updatesAt.length / 2)];
    check(during >= 3, `${during} live updates in ${LIVE_RECORD_MS / 1000} s (at each 0.5 s: ${updatesAt.join(' ')})`);
    check(midway >= 1 && midway < during, `the updates did not grow while recording: ${updatesAt.join(' ')}`);
    await page.getByTestId('record').click();
    await waitClassifyEnabled(page, 'stopping the live recording');
    const caption = await page.locator('#audio-caption').textContent();
    const recorded = Number(caption.match(/([\d.]+) s at/)?.[1]);
    check(recorded > LIVE_RECORD_MS / 1000 - 1 && recorded < LIVE_RECORD_MS / 1000 + 4,
      `recorded ${recorded} s live, expected about ${LIVE_RECORD_MS / 1000} s: audio dropped? (caption: ${caption})`);
    const busy = Number(await page.getByTestId('timeline').evaluate((c) => c.dataset.busyShare));
    check(busy > 0 && busy < 1 && /worker busy \d+ %/.test(caption), `worker busy share ${busy}; caption: ${caption}`);
    const seen = await classifyAndCheck(page, cfg, { expectWords: false });
    return { ...seen, label: `${seen.label}; ${during} live updates in ${LIVE_RECORD_MS / 1000} s, worker busy ${(100 * busy).toFixed(0)} %`, recorded };
  },
};

const CALIBRATION_RECORD_MS = 7_000;

const calibrationState = (page) => page.evaluate(() => ({
  calibrated: document.querySelector('[data-testid="calibration-status"]').dataset.calibrated,
  text: document.querySelector('[data-testid="calibration-status"]').textContent,
  stored: localStorage.getItem('emorec.calibration.v1'),
}));

const calibration = {
  name: 'calibration',
  browser: fakeMicrophone,
  async steps(page, cfg) {
    await waitModelReady(page);
    const before = await calibrationState(page);
    check(before.calibrated === 'false' && before.stored === null, `a fresh browser is calibrated: ${JSON.stringify(before)}`);
    await page.getByTestId('calibrate').click();
    await waitOrError(page, () => document.querySelector('[data-testid="calibrate"]').dataset.recording === 'true',
      'starting the calibration recording', 30_000);
    await page.waitForTimeout(CALIBRATION_RECORD_MS);
    await page.getByTestId('calibrate').click();
    await waitOrError(page, () => document.querySelector('[data-testid="calibration-status"]').dataset.calibrated === 'true',
      'calibrating', RESULT_TIMEOUT_MS);
    const stored = JSON.parse((await calibrationState(page)).stored);
    check(stored?.calibration?.format === 'emorec-calibration' && stored.calibration.seconds > 4,
      `localStorage holds ${JSON.stringify(stored)?.slice(0, 200)}`);
    // The calibrated model centres its utterance statistics on the speaker's.
    check(Array.isArray(stored.calibration.statistics) && stored.calibration.statistics.length > 0,
      'the calibration carries the speaker\'s mean utterance statistics');

    await page.reload();
    await waitModelReady(page);
    const reloaded = await calibrationState(page);
    check(reloaded.calibrated === 'true' && /^Calibrated to your voice/.test(reloaded.text),
      `after a reload the calibration status is ${JSON.stringify(reloaded)}`);
    await page.getByTestId('backend-choice').selectOption(cfg.backend);
    await page.getByTestId('audio-file').setInputFiles(cfg.audio);
    await waitClassifyEnabled(page, 'decoding the file');
    const seen = await classifyAndCheck(page, cfg, { expectWords: false });
    const used = await page.getByTestId('calibrated').evaluate((dd) => dd.dataset.calibrated);
    check(used === 'true', `the classification after calibrating says calibrated = ${used}`);

    await page.getByTestId('calibration-reset').click();
    const reset = await calibrationState(page);
    check(reset.calibrated === 'false' && reset.stored === null, `after reset: ${JSON.stringify(reset)}`);
    await page.reload();
    await waitModelReady(page);
    const after = await calibrationState(page);
    check(after.calibrated === 'false' && after.stored === null, `after reset and a reload: ${JSON.stringify(after)}`);

    // A calibration saved by an earlier model (no mean statistics) is refused
    // with the reason, and forgotten rather than failing every classification.
    const { statistics: _, ...stale } = stored.calibration;
    await page.evaluate((saved) => localStorage.setItem('emorec.calibration.v1', saved),
      JSON.stringify({ calibration: stale, savedAt: stored.savedAt }));
    await page.reload();
    await waitModelReady(page);
    check((await calibrationState(page)).calibrated === 'true', 'the stale calibration is loaded');
    await page.getByTestId('audio-file').setInputFiles(cfg.audio);
    await waitClassifyEnabled(page, 'decoding the file');
    await page.getByTestId('classify').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="calibration-status"]').dataset.calibrated === 'false',
      null, { timeout: RESULT_TIMEOUT_MS });
    const refused = (await page.getByTestId('error').textContent()).trim();
    check(/calibrate again/.test(refused) && (await calibrationState(page)).stored === null,
      `a stale calibration: the page says ${JSON.stringify(refused)}`);
    return { ...seen, label: `${seen.label} (calibrated from ${stored.calibration.seconds.toFixed(1)} s)` };
  },
};

/** The run details the page shows (backend, timings), for the PASS line. */
const runShown = (page) => page.evaluate(() => ({
  backend: document.querySelector('[data-testid="backend"]').textContent.trim(),
  features: document.getElementById('time-features').textContent,
  inference: document.getElementById('time-inference').textContent,
  load: document.getElementById('time-load').textContent,
}));

const BATCH_TRANSCRIPT = 'Kids are talking by the door';

const batch = {
  name: 'batch',
  browser: () => ({}),
  async steps(page, cfg) {
    await waitModelReady(page);
    const wavs = ['ravdess_03-01-05-01-01-02-03.wav', 'tess_YAF_neat_sad.wav'].map((f) => join(REFERENCE_DIR, f));
    for (const f of wavs) check(existsSync(f), `${f} is missing (../shared beside the repository?)`);
    const names = [cfg.audio, ...wavs].map((f) => f.split('/').pop());
    // Playwright takes paths or buffers, not both at once.
    const mime = (f) => (f.endsWith('.flac') ? 'audio/flac' : 'audio/wav');
    await page.getByTestId('audio-file').setInputFiles([
      ...[cfg.audio, ...wavs].map((f, i) => ({ name: names[i], mimeType: mime(f), buffer: readFileSync(f) })),
      { name: names[1].replace(/\.wav$/, '.txt'), mimeType: 'text/plain', buffer: Buffer.from(BATCH_TRANSCRIPT) },
    ]);
    await waitClassifyEnabled(page, 'decoding three files');
    await page.getByTestId('classify').click();
    await waitOrError(page, () => /^Done: 3 files/.test(document.querySelector('[data-testid="status"]').textContent),
      'classifying three files', RESULT_TIMEOUT_MS);
    const rows = await page.$$eval('[data-testid="batch-results"] tr[data-kind="file"]', (trs) =>
      trs.map((tr) => ({ name: tr.cells[0].textContent, label: tr.dataset.label, error: tr.dataset.error ?? null })));
    check(rows.length === 3, `${rows.length} file rows for three files: ${JSON.stringify(rows)}`);
    for (const [i, row] of rows.entries()) {
      check(row.name === names[i] && EMOTIONS[row.label] && !row.error, `row ${i + 1}: ${JSON.stringify(row)}, expected ${names[i]} with an emotion`);
    }
    const exported = async (testid) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
      return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
    };
    const csv = await exported('export');
    const lines = csv.text.trim().split(/\r\n/);
    check(csv.name === 'emorec-results.csv' && lines[0] === 'file,scope,start,end,speech,label,ang,hap,neu,sad,reason,error',
      `the CSV ${csv.name} starts with "${lines[0]}"`);
    const fileLines = lines.filter((l) => l.split(',')[1] === 'file');
    check(fileLines.length === 3 && fileLines.every((l, i) => l.startsWith(`${names[i]},file,`) && EMOTIONS[l.split(',')[5]]),
      `the CSV's file rows:\n${fileLines.join('\n')}`);
    const json = JSON.parse((await exported('export-json')).text);
    check(json.format === 'emorec-results' && json.files.length === 3 && json.files[1].words.length > 0,
      `the JSON export: ${JSON.stringify(json).slice(0, 300)} (the second file has a transcript)`);
    const seen = await runShown(page);
    return { ...seen, label: `${rows.map((r) => r.label).join(', ')}; CSV ${lines.length} lines` };
  },
};

const REPEATS = 100;

const recovery = {
  name: 'recovery',
  browser: () => ({}),
  async steps(page, cfg) {
    await waitModelReady(page);
    await page.getByTestId('audio-file').setInputFiles(cfg.audio);
    await waitClassifyEnabled(page, 'decoding the file');
    const shown = () => page.evaluate(() => ({
      count: Number(document.getElementById('results').dataset.count ?? 0),
      ready: !document.querySelector('[data-testid="classify"]').disabled,
      error: document.querySelector('[data-testid="error"]').textContent.trim(),
      label: document.querySelector('[data-testid="result-label"]').dataset.label,
      bytes: Number(document.querySelector('[data-testid="worker-memory"]').dataset.bytes ?? NaN),
    }));
    const classifyOnce = async (what) => {
      const before = (await shown()).count;
      await page.getByTestId('classify').click();
      const deadline = Date.now() + RESULT_TIMEOUT_MS;
      for (;;) {
        const now = await shown();
        check(!now.error, `${what}: the page shows "${now.error}"`);
        if (now.count > before && now.ready) return now;
        check(Date.now() < deadline, `${what}: no result after ${RESULT_TIMEOUT_MS / 1000} s`);
        await page.waitForTimeout(20);
      }
    };
    const memoryAfter = {};
    const started = Date.now();
    for (let i = 1; i <= REPEATS; i++) {
      const seen = await classifyOnce(`classification ${i} of ${REPEATS}`);
      check(EMOTIONS[seen.label], `classification ${i} shows ${seen.label}`);
      if (i === 1 || i === 10 || i === REPEATS) {
        await page.waitForTimeout(300); // the memory is asked for after each result
        memoryAfter[i] = (await shown()).bytes;
      }
    }
    const perClassification = (Date.now() - started) / REPEATS;
    check(Number.isFinite(memoryAfter[1]) && memoryAfter[1] > 0, `the page shows no worker memory: ${JSON.stringify(memoryAfter)}`);
    check(memoryAfter[REPEATS] === memoryAfter[10],
      `the worker's wasm memory grew from ${memoryAfter[10]} bytes after 10 classifications to ${memoryAfter[REPEATS]} after ${REPEATS}`);

    // Kill the worker behind the page's back: it goes silent, as one the
    // browser stopped for memory would.
    const worker = page.workers().find((w) => w.url().endsWith('/worker.js'));
    check(worker, `no worker.js among the page's workers: ${page.workers().map((w) => w.url()).join(', ')}`);
    await worker.evaluate(() => self.close());
    await page.getByTestId('classify').click();
    await page.waitForFunction(() => /worker has stopped/.test(document.querySelector('[data-testid="error"]').textContent),
      null, { timeout: 60_000 });
    const said = (await page.getByTestId('error').textContent()).trim();
    check(/next action starts a new one/.test(said), `after the worker died the page says "${said}"`);
    const again = await classifyOnce('classifying after the worker died');
    check(EMOTIONS[again.label], `after the worker died the page shows ${again.label}`);
    const seen = await runShown(page);
    const mib = (b) => (b / 2 ** 20).toFixed(1);
    return {
      ...seen,
      label: `${REPEATS} classifications (${perClassification.toFixed(0)} ms each), wasm memory ${mib(memoryAfter[1])} / ` +
        `${mib(memoryAfter[10])} / ${mib(memoryAfter[REPEATS])} MiB after 1 / 10 / ${REPEATS}; ` +
        `a dead worker reported and replaced (${again.label})`,
    };
  },
};

// pkg/index.js's probe (a module whose one function is f32x4.relaxed_madd):
// where this browser validates it, the CPU module is the relaxed-SIMD build.
const RELAXED_SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0,
  32, 1, 32, 2, 253, 133, 2, 11];

/** The page fetched one CPU module, the one this browser can run fastest (on the CPU backend, it must have). */
async function checkCpuModule(session, cfg) {
  const relaxed = await session.page.evaluate((probe) => WebAssembly.validate(new Uint8Array(probe)), RELAXED_SIMD_PROBE);
  const want = relaxed ? 'emorec_relaxed_bg.wasm' : 'emorec_bg.wasm';
  const fetched = [...new Set(session.requests.map((u) => new URL(u).pathname).filter((p) => /\/pkg\/emorec(_relaxed)?_bg\.wasm$/.test(p)))];
  check(fetched.every((p) => p.endsWith(`/${want}`)) && (cfg.backend !== 'cpu' || fetched.length === 1),
    `the page fetched CPU modules [${fetched.join(', ')}], expected pkg/${want} alone (relaxed SIMD ${relaxed ? 'validates' : 'does not validate'} here)`);
}

async function run(scenario, cfg, url, earlier) {
  let session;
  try {
    session = await openPage(cfg, url, scenario.browser(cfg));
    const seen = await scenario.steps(session.page, cfg, earlier);
    earlier[scenario.name] = seen;
    check(session.requests.some((u) => new URL(u).pathname.endsWith('/pkg/index.js')), 'the worker never requested pkg/index.js');
    await checkCpuModule(session, cfg);
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
    const earlier = {};
    for (const scenario of [upload, microphone, packageApi, timeline, live, calibration, batch, recovery]) results.push(await run(scenario, cfg, server.url, earlier));
  } finally {
    server.stop();
  }
  const passed = results.filter(Boolean).length;
  console.log(`${passed} passed, ${results.length - passed} failed`);
  process.exit(passed === results.length ? 0 : 1);
}

main();
