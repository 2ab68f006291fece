// The page: wires the controls to the audio input, the classifier worker and
// the result rendering. Inference runs only in the worker (worker.js).
// Beside one recording at a time: a batch of files with a table and export,
// live classification while recording, and a calibration to one's voice kept
// in this browser (calibration.js).
import { ClassifierClient } from './classifier-client.js';
import { decodeFile, MAX_RECORDING_S, Recorder } from './audio.js';
import { forgetCalibration, loadCalibration, saveCalibration } from './calibration.js';
import {
  batchCsv, batchJson, clearCanvas, describeSummary, drawHeatmap, drawTimeline, drawWaveform, formatMs,
  renderBatch, renderLegend, renderModalities, renderNotes, renderProbabilities, renderWords,
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
  timeline: $('timeline'),
  legend: $('timeline-legend'),
  live: $('live'),
  calibrate: $('calibrate'),
  calibrationReset: $('calibration-reset'),
  calibrationStatus: $('calibration-status'),
  summary: $('summary'),
  notes: $('notes'),
  calibrated: $('calibrated'),
  batch: $('batch'),
  batchBody: $('batch-results').querySelector('tbody'),
  exportCsv: $('export'),
  exportJson: $('export-json'),
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
  workerMemory: $('worker-memory'),
};

const FALLBACK_LABELS = { ang: 'angry', hap: 'happy', neu: 'neutral', sad: 'sad' };
const BACKENDS = ['auto', 'webgpu', 'cpu'];
// Live mode: the window each update classifies, and how often.
const LIVE_WINDOW_S = 3;
const LIVE_STEP_MS = 500;
// A calibration recording: long enough to be worth it, not a chore.
const CALIBRATION_MIN_S = 5;
const CALIBRATION_MAX_S = 20;

const state = {
  client: null,     // the worker of the chosen backend
  choice: null,     // the backend asked for
  model: null,      // {backend, loadMs, labels} once loaded
  audio: null,      // {samples, sampleRate, name}
  batch: null,      // [{name, samples, sampleRate, transcript} | {name, error}] for several files
  entries: [],      // [{name, result?, error?, audio?}]: the results table, and what export writes
  recorder: null,   // while recording
  live: null,       // while recording live: {timer, segments, pending, busyMs, updates, skipped, startedAt}
  calibrating: null, // the Recorder of a calibration recording
  calibration: loadCalibration(), // {calibration, savedAt} or null
  busy: false,      // decoding or classifying
  micBusy: false,   // starting or stopping a recording
  shown: null,      // {result, audio} on screen, redrawn on resize
};

function setStatus(text) {
  ui.status.textContent = text;
}

function showError(err) {
  let message = err ? `Error: ${err.message ?? err}` : '';
  // A saved calibration the model refuses (made by an earlier model, or for
  // other descriptors) would fail every classification: it is forgotten,
  // and the message says so.
  if (state.calibration !== null && message.includes('this calibration cannot be used')) {
    forgetCalibration();
    state.calibration = null;
    showCalibration();
    message += ' The saved calibration has been forgotten: calibrate again.';
  }
  ui.error.textContent = message;
}

function updateControls() {
  const recording = state.recorder !== null || state.micBusy;
  const calibrating = state.calibrating !== null;
  const hasInput = state.audio !== null || state.batch !== null || ui.transcript.value.trim() !== '';
  ui.classify.disabled = !state.model || state.busy || recording || calibrating || !hasInput;
  // The record button stays enabled while the microphone starts or stops
  // (clicks are ignored then): a disabled button would lose keyboard focus.
  ui.record.disabled = state.busy || calibrating;
  ui.live.disabled = recording;
  ui.file.disabled = state.busy || recording || calibrating;
  ui.clearAudio.disabled = state.busy || recording || calibrating || (state.audio === null && state.batch === null);
  ui.backendChoice.disabled = state.busy || recording || calibrating;
  // Calibrate doubles as its own stop button, like Record.
  ui.calibrate.disabled = !calibrating && (!state.model || state.busy || recording);
  ui.calibrationReset.disabled = state.calibration === null || calibrating;
  ui.exportCsv.disabled = ui.exportJson.disabled = state.entries.length === 0;
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

// A worker that died (closed, killed for memory, or its wasm module failed)
// is replaced on the next action, on the same backend: the page says so and
// goes on, instead of asking for a reload.
async function ensureClient() {
  const dead = state.client?.dead;
  if (!dead) return state.client;
  const choice = state.choice;
  state.choice = null;
  await loadBackend(choice);
  if (!state.model) throw new Error(`the classifier's worker had stopped (${dead}), and a new one could not load the model`);
  setStatus(`The classifier's worker had stopped (${dead}): a new one is running.`);
  return state.client;
}

// The error of a call whose worker died: what happened, and what to do.
function workerError(client, err) {
  return client?.dead ? new Error(`${err.message}; your next action starts a new one`) : err;
}

// --- audio ---------------------------------------------------------------

// Shows `audio` (or nothing); `live` keeps the timeline a live recording drew.
function setAudio(audio, { live = null } = {}) {
  state.audio = audio;
  state.shown = null;
  ui.results.hidden = true;
  ui.audioView.hidden = audio === null;
  ui.waveform.hidden = ui.heatmap.hidden = false;
  if (audio) {
    const duration = audio.samples.length / audio.sampleRate;
    ui.caption.textContent =
      `${audio.name}: ${duration.toFixed(2)} s at ${audio.sampleRate} Hz. ` +
      'After classifying, the strip under the waveform shows where the model listened (stronger colour = more attention), ' +
      'and the timeline below it the emotion over time.';
    drawWaveform(ui.waveform, audio);
    clearCanvas(ui.heatmap, 'Frame attention: not computed yet');
    if (live) {
      drawLiveTimeline(live, duration);
      ui.caption.textContent += ` Live while recording: ${describeLive(live)}; Classify gives the whole recording's timeline.`;
    } else {
      clearCanvas(ui.timeline, 'Emotion timeline: not computed yet');
      delete ui.timeline.dataset.updates;
      ui.timeline.dataset.segments = '0';
    }
  }
  updateControls();
}

function setBatch(batch) {
  state.batch = batch;
  const first = batch?.find((item) => item.samples);
  setAudio(first ? { samples: first.samples, sampleRate: first.sampleRate, name: first.name } : null);
  if (batch && first) ui.caption.textContent = `${batch.length} files; the first shown: ${ui.caption.textContent}`;
}

const baseName = (name) => name.replace(/\.[^.]*$/, '');

// The files picked: audio, and .txt transcripts matched to them by name.
async function onFileChosen() {
  const files = [...(ui.file.files ?? [])];
  if (!files.length) return;
  const texts = new Map(files.filter((f) => /\.txt$/i.test(f.name)).map((f) => [baseName(f.name), f]));
  const audios = files.filter((f) => !/\.txt$/i.test(f.name));
  state.busy = true;
  showError(null);
  updateControls();
  try {
    if (!audios.length) throw new Error('no audio file was picked (only transcripts)');
    await ensureClient();
    const transcriptOf = async (f) => (texts.has(baseName(f.name)) ? (await texts.get(baseName(f.name)).text()).trim() : null);
    const decode = (f) => decodeFile(f, (file) => state.client.decode(file));
    if (audios.length === 1) {
      setStatus(`Decoding ${audios[0].name}…`);
      const { samples, sampleRate, warnings = [] } = await decode(audios[0]);
      const transcript = await transcriptOf(audios[0]);
      if (transcript !== null) ui.transcript.value = transcript;
      state.batch = null;
      setAudio({ samples, sampleRate, name: audios[0].name });
      // A file that stops early is used as far as it goes, and the page says so.
      const warned = warnings.length ? ` Warning: ${warnings.join(' ')}` : '';
      setStatus(`Loaded ${audios[0].name}${transcript !== null ? ' and its transcript' : ''}.${warned}`);
      return;
    }
    // A batch: a file that cannot be decoded becomes a row with its error,
    // not the end of the batch.
    const batch = [];
    for (const [i, f] of audios.entries()) {
      setStatus(`Decoding ${i + 1} of ${audios.length}: ${f.name}…`);
      try {
        const { samples, sampleRate } = await decode(f);
        batch.push({ name: f.name, samples, sampleRate, transcript: await transcriptOf(f) });
      } catch (err) {
        batch.push({ name: f.name, error: err.message ?? String(err) });
      }
    }
    setBatch(batch);
    const failed = batch.filter((item) => item.error).length;
    const transcripts = batch.filter((item) => item.transcript).length;
    setStatus(`Loaded ${audios.length - failed} of ${audios.length} files` +
      `${transcripts ? `, ${transcripts} with a transcript` : ''}${failed ? ` (${failed} could not be decoded)` : ''}: ` +
      'Classify runs each (the transcript box is not used for a batch).');
  } catch (err) {
    // Drop the previous audio too: the file input now names the failed file.
    state.batch = null;
    setAudio(null);
    setStatus('');
    showError(workerError(state.client, err));
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
  if (state.calibrating) {
    ui.calibrate.textContent = `Stop and calibrate (${state.calibrating.duration.toFixed(1)} s)`;
  }
}

// --- live ------------------------------------------------------------------

// Every LIVE_STEP_MS the worker classifies the last LIVE_WINDOW_S of the
// recording; the answer colours the timeline from the previous update's end
// to this one's. An update is skipped while the previous one still runs, so
// a slow backend gives fewer updates, never a queue; the recording itself
// keeps every sample.
function startLive() {
  const live = {
    segments: [], pending: false, busyMs: 0, updates: 0, skipped: 0, startedAt: performance.now(), lastEnd: 0,
  };
  state.live = live;
  state.shown = null;
  ui.audioView.hidden = false;
  ui.waveform.hidden = ui.heatmap.hidden = true;
  ui.results.hidden = true;
  drawLiveTimeline(live, LIVE_WINDOW_S);
  ui.caption.textContent = 'Live: waiting for the first second of audio…';
  live.timer = setInterval(() => liveTick(live), LIVE_STEP_MS);
}

function liveTick(live) {
  const recorder = state.recorder;
  if (!recorder || live !== state.live) return;
  if (live.pending) {
    live.skipped++;
    return;
  }
  const { samples, sampleRate, end } = recorder.snapshot(LIVE_WINDOW_S);
  if (end < 1) return;
  const client = state.client;
  if (client.dead) return; // said once; the next action starts a new worker
  live.pending = true;
  const sent = performance.now();
  const calibration = state.calibration?.calibration ?? null;
  live.inFlight = client
    .classify(samples, sampleRate, '', calibration)
    .then((result) => {
      if (live !== state.live) return;
      live.segments.push({
        start: live.lastEnd, end, speech: result.speech === true, reason: result.reason,
        label: result.label, probabilities: result.probabilities,
      });
      live.lastEnd = end;
      live.updates++;
      if (state.recorder) {
        drawLiveTimeline(live, Math.max(end, LIVE_WINDOW_S));
        const shown = result.label === null ? 'no speech' : state.model.labels[result.label] ?? result.label;
        ui.caption.textContent = `Live: ${shown} — ${describeLive(live)}.`;
      }
    })
    .catch((err) => {
      if (live === state.live) showError(workerError(client, new Error(`live classification: ${err.message}`)));
    })
    .finally(() => {
      live.busyMs += performance.now() - sent;
      live.pending = false;
    });
}

function describeLive(live) {
  const busy = Math.round(100 * busyShare(live));
  return `${live.updates} update(s) of the last ${LIVE_WINDOW_S} s every ${LIVE_STEP_MS / 1000} s, ` +
    `worker busy ${busy} % of the time${live.skipped ? `, ${live.skipped} skipped while it was busy` : ''}`;
}

// The share of the live recording's time the worker spent classifying.
function busyShare(live) {
  const elapsed = (live.stoppedAt ?? performance.now()) - live.startedAt;
  return elapsed > 0 ? Math.min(1, live.busyMs / elapsed) : 0;
}

function drawLiveTimeline(live, duration) {
  drawTimeline(ui.timeline, live.segments, duration, state.model?.labels ?? FALLBACK_LABELS);
  ui.timeline.dataset.updates = String(live.updates);
  ui.timeline.dataset.busyShare = busyShare(live).toFixed(3);
}

async function stopLive() {
  const live = state.live;
  if (!live) return null;
  clearInterval(live.timer);
  live.stopped = true;
  await live.inFlight?.catch(() => {});
  live.stoppedAt = performance.now();
  state.live = null;
  return live;
}

async function startRecording() {
  state.micBusy = true;
  showError(null);
  setStatus('Starting the microphone…');
  updateControls();
  try {
    if (ui.live.checked) await ensureClient();
    state.recorder = await Recorder.start({
      onLevel: showLevel,
      onLimit: () => {
        setStatus(`Recording stopped at the ${MAX_RECORDING_S} s limit.`);
        stopRecording();
      },
    });
    ui.record.textContent = 'Stop'; // the label says what a press does; no aria-pressed with a changing label
    ui.record.dataset.recording = 'true';
    if (ui.live.checked) {
      startLive();
      setStatus('Recording live… press Stop when done.');
    } else {
      setStatus('Recording… press Stop when done.');
    }
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
    const live = await stopLive();
    const { samples, sampleRate } = await recorder.stop();
    state.recorder = null;
    if (samples.length === 0) throw new Error('the recording is empty: no sound came from the microphone');
    state.batch = null;
    setAudio({ samples, sampleRate, name: 'Recording' }, { live });
    setStatus(`Recorded ${(samples.length / sampleRate).toFixed(1)} s.`);
  } catch (err) {
    await stopLive();
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

// --- calibration -----------------------------------------------------------

function showCalibration() {
  const saved = state.calibration;
  ui.calibrationStatus.dataset.calibrated = String(saved !== null);
  if (!saved) {
    ui.calibrationStatus.textContent = 'Not calibrated: every voice and microphone goes through the same statistics.';
  } else {
    const { calibration, savedAt } = saved;
    const when = new Date(savedAt).toLocaleString();
    ui.calibrationStatus.textContent =
      `Calibrated to your voice: ${calibration.seconds.toFixed(1)} s of speech, ${when}. ` +
      'Recordings and live updates are standardised by it.';
  }
  updateControls();
}

async function startCalibrating() {
  showError(null);
  try {
    state.calibrating = await Recorder.start({
      onLevel: showLevel,
      limitS: CALIBRATION_MAX_S,
      onLimit: () => finishCalibrating(),
    });
    ui.calibrate.dataset.recording = 'true';
    ui.calibrate.textContent = 'Stop and calibrate (0.0 s)';
    setStatus(`Calibrating: speak as you usually do for ${CALIBRATION_MIN_S * 2}–${CALIBRATION_MAX_S} s ` +
      `(it stops by itself at ${CALIBRATION_MAX_S} s).`);
  } catch (err) {
    state.calibrating = null;
    setStatus('');
    showError(err);
  }
  updateControls();
}

async function finishCalibrating() {
  const recorder = state.calibrating;
  if (!recorder || recorder.finishing) return;
  recorder.finishing = true;
  ui.level.value = 0;
  try {
    const { samples, sampleRate } = await recorder.stop();
    const seconds = samples.length / sampleRate;
    if (seconds < CALIBRATION_MIN_S) {
      throw new Error(`the calibration recording is ${seconds.toFixed(1)} s: record at least ${CALIBRATION_MIN_S} s (10–20 s is best)`);
    }
    setStatus('Calibrating: computing your voice\'s statistics…');
    const client = await ensureClient();
    const calibration = await client.calibrate([{ samples, sampleRate }]).catch((err) => {
      throw workerError(client, err);
    });
    state.calibration = saveCalibration(calibration);
    setStatus(`Calibrated from ${calibration.seconds.toFixed(1)} s of speech.`);
  } catch (err) {
    setStatus('');
    showError(new Error(`calibration failed: ${err.message}`));
  } finally {
    state.calibrating = null;
    delete ui.calibrate.dataset.recording;
    ui.calibrate.textContent = 'Calibrate';
    showCalibration();
  }
}

function resetCalibration() {
  forgetCalibration();
  state.calibration = null;
  showCalibration();
  setStatus('Calibration forgotten.');
  ui.calibrate.focus(); // this button is now disabled
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
  ui.summary.textContent = result.segments.length > 1 ? describeSummary(result.summary, labels) : '';
  renderNotes(ui.notes, result.notes);
  ui.calibrated.textContent = result.calibrated ? 'yes (to your voice)' : 'no';
  ui.calibrated.dataset.calibrated = String(result.calibrated);
  ui.backend.textContent = result.backend;
  ui.timeFeatures.textContent = formatMs(result.timings.features);
  ui.timeInference.textContent = formatMs(result.timings.inference);
  ui.timeLoad.textContent = formatMs(state.model.loadMs);
  ui.results.dataset.count = String(Number(ui.results.dataset.count ?? 0) + 1);
  drawAttention();
}

function drawAttention() {
  const { result, audio } = state.shown ?? {};
  if (!audio || ui.audioView.hidden) return;
  const duration = audio.samples.length / audio.sampleRate;
  drawHeatmap(ui.heatmap, result.frameAttention, result.frameHopS, duration);
  drawTimeline(ui.timeline, result.segments, duration, state.model.labels);
}

// The results table's entry `i`, shown in the result section.
function showEntry(i) {
  const entry = state.entries[i];
  if (!entry?.result) return;
  if (entry.audio) setAudio(entry.audio);
  showResult(entry.result, entry.audio ?? null);
  ui.results.scrollIntoView?.({ block: 'nearest' });
}

function showEntries() {
  ui.batch.hidden = state.entries.length === 0;
  renderBatch(ui.batchBody, state.entries, state.model?.labels ?? FALLBACK_LABELS, showEntry);
  updateControls();
}

function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function classifyBatch(batch, client) {
  const calibration = state.calibration?.calibration ?? null;
  state.entries = [];
  let shown = false;
  for (const [i, item] of batch.entries()) {
    if (client !== state.client) return;
    setStatus(`Classifying ${i + 1} of ${batch.length}: ${item.name}…`);
    if (item.error) {
      state.entries.push({ name: item.name, error: item.error });
    } else {
      const audio = { samples: item.samples, sampleRate: item.sampleRate, name: item.name };
      try {
        const result = await client.classify(item.samples, item.sampleRate, item.transcript ?? '', calibration);
        state.entries.push({ name: item.name, result, audio });
        if (!shown) {
          setAudio(audio);
          showResult(result, audio);
          shown = true;
        }
      } catch (err) {
        if (client !== state.client) return;
        state.entries.push({ name: item.name, error: err.message ?? String(err) });
      }
    }
    showEntries();
  }
  const failed = state.entries.filter((e) => e.error).length;
  setStatus(`Done: ${batch.length} files${failed ? `, ${failed} with an error` : ''}; the table below has each, and exports them.`);
}

// The wasm memory the worker holds: it grows to the largest input and never
// shrinks, so a value that stays put over many classifications means no leak.
async function showWorkerMemory(client) {
  try {
    const { memoryBytes } = await client.ping();
    if (client !== state.client || memoryBytes === null) return;
    ui.workerMemory.textContent = `${(memoryBytes / 2 ** 20).toFixed(1)} MiB of wasm memory`;
    ui.workerMemory.dataset.bytes = String(memoryBytes);
  } catch {
    // A worker that died says so on the next action.
  }
}

async function classify() {
  const audio = state.audio;
  const transcript = ui.transcript.value.trim();
  let client = state.client;
  state.busy = true;
  showError(null);
  setStatus('Classifying…');
  updateControls();
  try {
    client = await ensureClient();
    if (state.batch) {
      await classifyBatch(state.batch, client);
      return;
    }
    const calibration = state.calibration?.calibration ?? null;
    const result = await client.classify(audio?.samples ?? null, audio?.sampleRate ?? 16000, transcript, calibration);
    if (client !== state.client) return;
    showResult(result, audio);
    state.entries = [{ name: audio?.name ?? 'Transcript', result, audio }];
    showEntries();
    const pieces = result.segments.length > 1 ? `, ${result.segments.length} segments` : '';
    setStatus(`Done: ${ui.label.textContent} (${result.backend}, ${formatMs(result.timings.inference)} inference${pieces}).`);
  } catch (err) {
    if (client !== state.client) return;
    setStatus('');
    showError(workerError(client, err));
  } finally {
    state.busy = false;
    updateControls();
    // Classify was disabled while busy, which drops keyboard focus: give it back.
    if (document.activeElement === document.body) ui.classify.focus();
    if (!client?.dead && state.model) showWorkerMemory(client);
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
ui.calibrate.addEventListener('click', () => {
  if (state.calibrating) finishCalibrating();
  else startCalibrating();
});
ui.calibrationReset.addEventListener('click', resetCalibration);
ui.exportCsv.addEventListener('click', () => download(batchCsv(state.entries), 'emorec-results.csv', 'text/csv'));
ui.exportJson.addEventListener('click', () =>
  download(batchJson(state.entries, state.model?.backend ?? null), 'emorec-results.json', 'application/json'));
ui.clearAudio.addEventListener('click', () => {
  ui.file.value = '';
  state.batch = null;
  setAudio(null);
  setStatus('Audio removed.');
  ui.file.focus(); // this button is now disabled
});
new ResizeObserver(() => {
  if (state.audio && !ui.audioView.hidden && !state.live) {
    drawWaveform(ui.waveform, state.audio);
    if (state.shown) drawAttention();
  }
}).observe(ui.timeline);

// ?backend=cpu (or webgpu, auto) picks the starting backend, e.g. for tests.
const asked = new URLSearchParams(location.search).get('backend');
ui.backendChoice.value = BACKENDS.includes(asked) ? asked : 'auto';
loadBackend(ui.backendChoice.value);
renderLegend(ui.legend, FALLBACK_LABELS);
showCalibration();
updateControls();
