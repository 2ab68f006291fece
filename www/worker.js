// Module Web Worker that owns the classifier, so that model loading, decoding
// and inference never block the page.
//
// Protocol (classifier-client.js is the other side). Every request is
// {type, id, ...}; every answer carries the id of the request it answers:
//   {type:'load', id, backend}                              -> {type:'done', id, value: {backend, loadMs, labels}}
//   {type:'classify', id, samples, sampleRate, transcript, calibration}
//                                                           -> {type:'done', id, value: ClassifyResult}
//   {type:'calibrate', id, recordings: [{samples, sampleRate}]}
//                                                           -> {type:'done', id, value: Calibration}
//   {type:'decode', id, file}                               -> {type:'done', id, value: DecodedAudio}
//   {type:'ping', id}                                       -> {type:'done', id, value: {memoryBytes}}
//   any of them failing                                     -> {type:'error', id, name, message, fatal}
// fatal: the wasm module failed (a panic, memory exhausted) and this worker
// cannot be used again; the page starts a new one.
// ClassifyResult and DecodedAudio are pkg/index.d.ts's; values go out as the
// package made them (plain data), errors with the message it made (a Rust
// panic is already translated there). One worker loads one classifier; the
// page starts a fresh worker to change the backend (a WebGPU device can be
// set up only once per global scope).

/** @typedef {import('./pkg/index.js').ClassifyResult} ClassifyResult */
/** @typedef {import('./pkg/index.js').DecodedAudio} DecodedAudio */
/** @typedef {import('./pkg/index.js').Calibration} Calibration */

/** @type {import('./pkg/index.js').Classifier | null} */
let classifier = null;

// The server's Content-Security-Policy blocks requests to other hosts without
// a trace in the worker; say so loudly (tests fail on console errors).
self.addEventListener('securitypolicyviolation', (e) => {
  console.error(`blocked by the content security policy: ${e.blockedURI} (${e.violatedDirective})`);
});

// A dynamic import, so that a missing or broken pkg/ becomes an error message
// for the page instead of a worker that silently fails to start.
const pkg = () => import('./pkg/index.js');

async function load({ backend }) {
  const { Classifier } = await pkg();
  classifier = await Classifier.load({ backend });
  return { value: { backend: classifier.backend, loadMs: classifier.loadMs, labels: { ...Classifier.labels } } };
}

async function classify({ samples, sampleRate, transcript, calibration = null }) {
  if (!classifier) throw new Error('the model is not loaded');
  // No audio is passed as an empty Float32Array (text-only classification).
  const result = await classifier.classify(samples ?? new Float32Array(0), sampleRate, transcript ?? '', { calibration });
  return { value: result };
}

async function calibrate({ recordings }) {
  if (!classifier) throw new Error('the model is not loaded');
  return { value: await classifier.calibrate(recordings) };
}

async function decode({ file }) {
  const { decode } = await pkg();
  const audio = await decode(file);
  return { value: audio, transfer: [audio.samples.buffer] };
}

// Liveness (classifier-client.js pings while it waits) and the memory the
// wasm module holds, which the page shows.
async function ping() {
  return { value: { memoryBytes: classifier?.memoryBytes ?? null } };
}

const handlers = { load, classify, calibrate, decode, ping };

self.onmessage = async ({ data }) => {
  const { type, id } = data;
  try {
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
    if (!handler) throw new Error(`unknown request type '${type}'`);
    const { value, transfer = [] } = await handler(data);
    postMessage({ type: 'done', id, value }, transfer);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    postMessage({ type: 'error', id, name: error.name, message: error.message || String(error), fatal: error.fatal === true });
  }
};
