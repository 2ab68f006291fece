// Module Web Worker that owns the classifier, so that model loading and
// inference never block the page.
//
// Protocol (see classifier-client.js for the other side):
//   {type:'load', backend}                              -> {type:'loaded', backend, loadMs, labels} | {type:'error', message}
//   {type:'classify', id, samples, sampleRate, transcript} -> {type:'result', id, result} | {type:'error', id, message}
// One worker loads one classifier; the page starts a fresh worker to change
// the backend (a WebGPU device can be set up only once per global scope).

let classifier = null;

// The server's Content-Security-Policy blocks requests to other hosts without
// a trace in the worker; say so loudly (tests fail on console errors).
self.addEventListener('securitypolicyviolation', (e) => {
  console.error(`blocked by the content security policy: ${e.blockedURI} (${e.violatedDirective})`);
});

function messageOf(err) {
  // A Rust panic surfaces as a WebAssembly.RuntimeError ("unreachable"),
  // which means nothing to a person on its own.
  if (err instanceof WebAssembly.RuntimeError) {
    return `internal error in the model (${err.message}); choose the backend again or reload the page`;
  }
  if (err instanceof Error) return err.message || String(err);
  return typeof err === 'string' ? err : `unexpected error: ${String(err)}`;
}

// The result as plain data: postMessage can clone that whatever the package
// returns (getters of a wasm-bindgen class would not survive the copy).
function plain(r) {
  const record = (o) => Object.fromEntries(Object.keys(o ?? {}).map((k) => [k, Number(o[k])]));
  return {
    label: String(r.label),
    probabilities: record(r.probabilities),
    frameAttention: Array.from(r.frameAttention ?? [], Number),
    frameHopS: Number(r.frameHopS ?? 0.01),
    words: Array.from(r.words ?? [], String),
    wordAttention: Array.from(r.wordAttention ?? [], Number),
    modalityWeights: record(r.modalityWeights),
    timings: record(r.timings),
    backend: String(r.backend),
  };
}

async function load(backend) {
  // A dynamic import, so that a missing or broken pkg/ becomes an error
  // message for the page instead of a worker that silently fails to start.
  const { Classifier } = await import('./pkg/index.js');
  classifier = await Classifier.load({ backend });
  postMessage({
    type: 'loaded',
    backend: classifier.backend,
    loadMs: classifier.loadMs,
    labels: Object.fromEntries(Object.entries(Classifier.labels ?? {}).map(([code, name]) => [code, String(name)])),
  });
}

async function classify({ id, samples, sampleRate, transcript }) {
  if (!classifier) throw new Error('the model is not loaded');
  // No audio is passed as an empty Float32Array (text-only classification).
  const result = await classifier.classify(samples ?? new Float32Array(0), sampleRate, transcript ?? '');
  postMessage({ type: 'result', id, result: plain(result) });
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'load') await load(data.backend);
    else if (data.type === 'classify') await classify(data);
    else throw new Error(`unknown message type '${data.type}'`);
  } catch (err) {
    postMessage({ type: 'error', id: data.id, message: messageOf(err) });
  }
};
