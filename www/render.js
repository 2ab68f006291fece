// Drawing and describing a classification: the probability bars, the waveform
// with the frame attention under it, the shaded words and the modality split.
// Every picture also gets a text alternative that states what it shows.

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const percent = (x) => `${(100 * x).toFixed(1)} %`;
const seconds = (t) => `${t.toFixed(2)} s`;

// Sizes the canvas's bitmap to its laid-out size (sharp on high-DPI screens)
// and returns a context drawing in CSS pixels.
function fitCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { g, width, height };
}

/** Min/max envelope of the samples, one column per CSS pixel. */
export function drawWaveform(canvas, { samples, sampleRate }) {
  const { g, width, height } = fitCanvas(canvas);
  g.clearRect(0, 0, width, height);
  const columns = Math.max(1, Math.floor(width));
  const per = samples.length / columns;
  let peak = 0;
  for (const x of samples) peak = Math.max(peak, Math.abs(x));
  // Quiet recordings are scaled up to be visible; the label says so.
  const scale = peak > 0 ? 0.95 / peak : 1;
  g.fillStyle = css('--wave');
  for (let c = 0; c < columns; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    const end = Math.min(samples.length, Math.floor((c + 1) * per));
    for (let i = Math.floor(c * per); i < end; i++) {
      lo = Math.min(lo, samples[i]);
      hi = Math.max(hi, samples[i]);
    }
    if (lo === Infinity) continue;
    const top = (0.5 - (hi * scale) / 2) * height;
    const bottom = (0.5 - (lo * scale) / 2) * height;
    g.fillRect(c, top, 1, Math.max(1, bottom - top));
  }
  const duration = samples.length / sampleRate;
  const db = peak > 0 ? `${(20 * Math.log10(peak)).toFixed(0)} dBFS` : 'silent';
  canvas.setAttribute('aria-label', `Waveform: ${seconds(duration)} of audio, peak ${db} (drawn normalised)`);
}

/**
 * The strongest stretch of attention: the window of about 0.2 s with the
 * largest total weight. Returns {start, end, share} in seconds and 0..1.
 */
export function strongestWindow(weights, hop) {
  const n = Math.min(weights.length, Math.max(1, Math.round(0.2 / hop)));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i];
  let best = sum;
  let bestStart = 0;
  for (let i = n; i < weights.length; i++) {
    sum += weights[i] - weights[i - n];
    if (sum > best) {
      best = sum;
      bestStart = i - n + 1;
    }
  }
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  return { start: bestStart * hop, end: (bestStart + n) * hop, share: best / total };
}

/**
 * Frame attention as a strip aligned with the waveform: frame i starts at
 * i * hop seconds; its opacity is its weight relative to the largest.
 */
export function drawHeatmap(canvas, weights, hop, duration) {
  const { g, width, height } = fitCanvas(canvas);
  g.clearRect(0, 0, width, height);
  if (!weights?.length || !(duration > 0)) {
    canvas.setAttribute('aria-label', 'Frame attention: none (the model was given no audio)');
    return;
  }
  const max = Math.max(...weights) || 1;
  const heat = css('--heat');
  const px = width / duration;
  for (let i = 0; i < weights.length; i++) {
    const x = i * hop * px;
    if (x >= width) break;
    g.fillStyle = `rgba(${heat}, ${(weights[i] / max).toFixed(3)})`;
    // Overlap by a pixel so that neighbouring frames leave no seams.
    g.fillRect(x, 0, hop * px + 1, height);
  }
  const { start, end, share } = strongestWindow(weights, hop);
  canvas.setAttribute(
    'aria-label',
    `Frame attention: strongest at ${start.toFixed(1)}–${end.toFixed(1)} s of ${seconds(duration)} ` +
      `(${percent(share)} of the attention in that stretch)`,
  );
}

export function clearCanvas(canvas, label) {
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  canvas.setAttribute('aria-label', label);
}

/** One row per emotion: name, bar and percentage (the text carries it all). */
export function renderProbabilities(list, probabilities, labels, top) {
  list.replaceChildren(
    ...Object.keys(labels).map((code) => {
      const p = Number(probabilities[code] ?? 0);
      const row = document.createElement('li');
      row.dataset.label = code;
      row.dataset.p = String(p);
      if (code === top) row.className = 'top';
      const name = document.createElement('span');
      name.textContent = labels[code];
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.setAttribute('aria-hidden', 'true');
      const fill = document.createElement('span');
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      bar.append(fill);
      const value = document.createElement('span');
      value.className = 'pct';
      value.textContent = percent(p);
      row.append(name, bar, value);
      return row;
    }),
  );
}

/** The transcript's tokens, each shaded by its attention weight. */
export function renderWords(container, words, weights) {
  if (!words?.length) {
    const none = document.createElement('span');
    none.className = 'empty';
    none.textContent = 'No transcript was given.';
    container.replaceChildren(none);
    return;
  }
  const max = Math.max(...weights) || 1;
  const heat = css('--heat');
  const spans = words.map((word, i) => {
    const w = Number(weights[i] ?? 0);
    const span = document.createElement('span');
    span.className = 'word';
    span.textContent = word;
    span.dataset.weight = String(w);
    span.title = `attention ${percent(w)}`;
    span.style.backgroundColor = `rgba(${heat}, ${(0.85 * w / max).toFixed(3)})`;
    // Screen readers get the weight as text; the colour alone would be lost.
    const hidden = document.createElement('span');
    hidden.className = 'visually-hidden';
    hidden.textContent = ` (${percent(w)})`;
    span.append(hidden);
    return span;
  });
  container.replaceChildren(...spans.flatMap((s, i) => (i ? [document.createTextNode(' '), s] : [s])));
}

/** Audio vs text share of the fused decision, as a split bar and as text. */
export function renderModalities(container, weights) {
  const audio = Number(weights.audio ?? 0);
  const text = Number(weights.text ?? 0);
  const bar = document.createElement('div');
  bar.className = 'split';
  bar.setAttribute('aria-hidden', 'true');
  for (const [cls, w] of [['audio', audio], ['text', text]]) {
    const part = document.createElement('span');
    part.className = cls;
    part.style.width = `${Math.max(0, Math.min(1, w)) * 100}%`;
    bar.append(part);
  }
  // The colour keys tie the text to the bar's parts.
  const line = document.createElement('p');
  const key = (cls) => Object.assign(document.createElement('span'), { className: `key ${cls}` });
  line.append(key('audio'), ` Audio ${percent(audio)} · `, key('text'), ` Text ${percent(text)}`);
  container.dataset.audio = String(audio);
  container.dataset.text = String(text);
  container.replaceChildren(bar, line);
}

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
