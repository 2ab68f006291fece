// The page: wires the controls to the audio input, the classifier worker and
// the result rendering. Inference runs only in the worker (worker.js).
import { ClassifierClient } from './classifier-client.js';
import { decodeFile, MAX_RECORDING_S, Recorder } from './audio.js';
import {
  clearCanvas, drawHeatmap, drawWaveform, formatMs,
  renderModalities, renderProbabilities, renderWords,
} from './render.js';

const $ = (id) => document.getElementById(id);
const ui = {
  backendChoice: $('backend-choice'),
  file: $('audio-file'),
  record: $('record'),
  level: $('level'),
  recTime: $('rec-time'),
  transcript: $('transcript'),
  classify: $('classify'),
  clearAudio: $('clear-audio'),
  audioView: $('audio-view'),
  waveform: $('waveform'),
  heatmap: $('frame-heatmap'),
  caption: $('audio-caption'),
  status: $('status'),
  error: $('error'),
  results: $('results'),
  label: $('result-label'),
  reason: $('result-reason'),
  probabilities: $('probabilities'),
  words: $('word-attention'),
  modalities: $('modality-weights'),
  modelOutput: $('model-output'),
  backend: $('backend'),
  timeFeatures: $('time-features'),
  timeInference: $('time-inference'),
  timeLoad: $('time-load'),
};

const FALLBACK_LABELS = { ang: 'angry', hap: 'happy', neu: 'neutral', sad: 'sad' };
const BACKENDS = ['auto', 'webgpu', 'cpu'];

const state = {
  client: null,     // the worker of the chosen backend
  choice: null,     // the backend asked for
  model: null,      // {backend, loadMs, labels} once loaded
  audio: null,      // {samples, sampleRate, name}
  recorder: null,   // while recording
  busy: false,      // decoding or classifying
  micBusy: false,   // starting or stopping a recording
  shown: null,      // {result, audio} on screen, redrawn on resize
};

function setStatus(text) {
  ui.status.textContent = text;
}

function showError(err) {
  ui.error.textContent = err ? `Error: ${err.message ?? err}` : '';
}

function updateControls() {
  const recording = state.recorder !== null || state.micBusy;
  const hasInput = state.audio !== null || ui.transcript.value.trim() !== '';
  ui.classify.disabled = !state.model || state.busy || recording || !hasInput;
  // The record button stays enabled while the microphone starts or stops
  // (clicks are ignored then): a disabled button would lose keyboard focus.
  ui.record.disabled = state.busy;
  ui.file.disabled = state.busy || recording;
  ui.clearAudio.disabled = state.busy || recording || state.audio === null;
  ui.backendChoice.disabled = state.busy || recording;
}

// --- model ---------------------------------------------------------------

async function loadBackend(choice) {
  if (choice === state.choice) return;
  // A fresh worker per backend: it drops the old model's memory, and a WebGPU
  // device can be set up only once per worker.
  state.client?.terminate();
  const client = (state.client = new ClassifierClient());
  state.choice = choice;
  state.model = null;
  showError(null);
  setStatus(`Loading the model (${choice})…`);
  updateControls();
  try {
    const model = await client.load(choice);
    if (client !== state.client) return; // another backend was chosen meanwhile
    state.model = { ...model, labels: { ...FALLBACK_LABELS, ...model.labels } };
    setStatus(`Model ready: ${model.backend} backend, loaded in ${formatMs(model.loadMs)}.`);
  } catch (err) {
    if (client !== state.client) return;
    setStatus('');
    showError(new Error(`could not load the model (${choice}): ${err.message}. Try another backend.`));
  }
  updateControls();
}

// --- audio ---------------------------------------------------------------

function setAudio(audio) {
  state.audio = audio;
  state.shown = null;
  ui.results.hidden = true;
  ui.audioView.hidden = audio === null;
  if (audio) {
    const duration = audio.samples.length / audio.sampleRate;
    ui.caption.textContent =
      `${audio.name}: ${duration.toFixed(2)} s at ${audio.sampleRate} Hz. ` +
      'After classifying, the strip under the waveform shows where the model listened (stronger colour = more attention).';
    drawWaveform(ui.waveform, audio);
    clearCanvas(ui.heatmap, 'Frame attention: not computed yet');
  }
  updateControls();
}

async function onFileChosen() {
  const file = ui.file.files?.[0];
  if (!file) return;
  state.busy = true;
  showError(null);
  setStatus(`Decoding ${file.name}…`);
  updateControls();
  try {
    const { samples, sampleRate } = await decodeFile(file, (f) => state.client.decode(f));
    setAudio({ samples, sampleRate, name: file.name });
    setStatus(`Loaded ${file.name}.`);
  } catch (err) {
    // Drop the previous audio too: the file input now names the failed file.
    setAudio(null);
    setStatus('');
    showError(err);
  } finally {
    state.busy = false;
    updateControls();
    if (document.activeElement === document.body) ui.file.focus(); // it was disabled while decoding
  }
}

function showLevel(rms) {
  // -60 dBFS .. 0 dBFS onto the meter's 0..1.
  const db = 20 * Math.log10(rms + 1e-9);
  ui.level.value = Math.max(0, Math.min(1, (db + 60) / 60));
  if (state.recorder) ui.recTime.textContent = `${state.recorder.duration.toFixed(1)} s`;
}

async function startRecording() {
  state.micBusy = true;
  showError(null);
  setStatus('Starting the microphone…');
  updateControls();
  try {
    state.recorder = await Recorder.start({
      onLevel: showLevel,
      onLimit: () => {
        setStatus(`Recording stopped at the ${MAX_RECORDING_S} s limit.`);
        stopRecording();
      },
    });
    ui.record.textContent = 'Stop'; // the label says what a press does; no aria-pressed with a changing label
    ui.record.dataset.recording = 'true';
    setStatus('Recording… press Stop when done.');
  } catch (err) {
    setStatus('');
    showError(err);
  } finally {
    state.micBusy = false;
    updateControls();
  }
}

async function stopRecording() {
  const recorder = state.recorder;
  if (!recorder) return;
  state.micBusy = true;
  updateControls();
  try {
    const { samples, sampleRate } = await recorder.stop();
    state.recorder = null;
    if (samples.length === 0) throw new Error('the recording is empty: no sound came from the microphone');
    setAudio({ samples, sampleRate, name: 'Recording' });
    setStatus(`Recorded ${(samples.length / sampleRate).toFixed(1)} s.`);
  } catch (err) {
    state.recorder = null;
    setStatus('');
    showError(err);
  } finally {
    ui.record.textContent = 'Record';
    delete ui.record.dataset.recording;
    ui.level.value = 0;
    ui.recTime.textContent = '';
    state.micBusy = false;
    updateControls();
  }
}

// --- classification ------------------------------------------------------

/** @param {import('./pkg/index.js').ClassifyResult} result */
function showResult(result, audio) {
  const labels = state.model.labels;
  state.shown = { result, audio };
  ui.results.hidden = false;
  // No speech (silence, noise, a tone) is a result of its own, not an emotion.
  ui.label.textContent = result.label === null ? 'no speech' : labels[result.label] ?? result.label;
  ui.label.dataset.label = result.label ?? 'none';
  ui.reason.textContent = result.reason ?? '';
  ui.reason.hidden = !result.reason;
  // Without a label the model did not run: no bars of zeros to misread.
  ui.modelOutput.hidden = result.label === null;
  renderProbabilities(ui.probabilities, result.probabilities ?? {}, labels, result.label);
  renderWords(ui.words, result.words, result.wordAttention);
  renderModalities(ui.modalities, result.modalityWeights ?? { audio: 0, text: 0 });
  ui.backend.textContent = result.backend;
  ui.timeFeatures.textContent = formatMs(result.timings.features);
  ui.timeInference.textContent = formatMs(result.timings.inference);
  ui.timeLoad.textContent = formatMs(state.model.loadMs);
  drawAttention();
}

function drawAttention() {
  const { result, audio } = state.shown ?? {};
  if (!audio || ui.audioView.hidden) return;
  drawHeatmap(ui.heatmap, result.frameAttention, result.frameHopS, audio.samples.length / audio.sampleRate);
}

async function classify() {
  const audio = state.audio;
  const transcript = ui.transcript.value.trim();
  const client = state.client;
  state.busy = true;
  showError(null);
  setStatus('Classifying…');
  updateControls();
  try {
    const result = await client.classify(audio?.samples ?? null, audio?.sampleRate ?? 16000, transcript);
    if (client !== state.client) return;
    showResult(result, audio);
    setStatus(`Done: ${ui.label.textContent} (${result.backend}, ${formatMs(result.timings.inference)} inference).`);
  } catch (err) {
    if (client !== state.client) return;
    setStatus('');
    showError(err);
  } finally {
    state.busy = false;
    updateControls();
    // Classify was disabled while busy, which drops keyboard focus: give it back.
    if (document.activeElement === document.body) ui.classify.focus();
  }
}

// --- wiring --------------------------------------------------------------

// The page promises that nothing leaves the machine, and the server's
// Content-Security-Policy enforces it; make any attempt visible.
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`blocked by the content security policy: ${e.blockedURI} (${e.violatedDirective})`);
});

ui.backendChoice.addEventListener('change', () => loadBackend(ui.backendChoice.value));
ui.file.addEventListener('change', onFileChosen);
ui.record.addEventListener('click', () => {
  if (state.micBusy) return;
  if (state.recorder) stopRecording();
  else startRecording();
});
ui.transcript.addEventListener('input', updateControls);
ui.classify.addEventListener('click', classify);
ui.clearAudio.addEventListener('click', () => {
  ui.file.value = '';
  setAudio(null);
  setStatus('Audio removed.');
  ui.file.focus(); // this button is now disabled
});
new ResizeObserver(() => {
  if (state.audio && !ui.audioView.hidden) {
    drawWaveform(ui.waveform, state.audio);
    if (state.shown) drawAttention();
  }
}).observe(ui.waveform);

// ?backend=cpu (or webgpu, auto) picks the starting backend, e.g. for tests.
const asked = new URLSearchParams(location.search).get('backend');
ui.backendChoice.value = BACKENDS.includes(asked) ? asked : 'auto';
loadBackend(ui.backendChoice.value);
updateControls();
