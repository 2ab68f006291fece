// Drawing and describing a classification: the probability bars, the waveform
// with the frame attention and the emotion timeline under it, the shaded
// words, the modality split and the table of results per file.
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

// Bottom to top in the timeline's stacked columns, and in its legend.
const EMOTION_ORDER = ['ang', 'hap', 'neu', 'sad'];

/**
 * The recording as a timeline: every segment a column as wide as it lasts,
 * its height split by the segment's probabilities (bottom to top: angry,
 * happy, neutral, sad); segments without speech hatched. `duration` is the
 * time axis' length (for a live recording, at least the time recorded).
 * The canvas' data attributes count what it shows (tests read them), and its
 * text alternative says where the speech, the pauses and the emotions are.
 */
export function drawTimeline(canvas, segments, duration, labels) {
  const { g, width, height } = fitCanvas(canvas);
  g.clearRect(0, 0, width, height);
  const gaps = segments.filter((s) => !s.speech);
  const speech = segments.filter((s) => s.speech && s.probabilities);
  canvas.dataset.segments = String(segments.length);
  canvas.dataset.speechSegments = String(speech.length);
  canvas.dataset.gaps = JSON.stringify(gaps.map((s) => [s.start, s.end]));
  if (!segments.length || !(duration > 0)) {
    canvas.setAttribute('aria-label', 'Emotion timeline: none (the model was given no audio)');
    return;
  }
  const px = width / duration;
  const colours = Object.fromEntries(EMOTION_ORDER.map((code) => [code, css(`--emo-${code}`)]));
  for (const s of segments) {
    const x = s.start * px;
    const w = Math.max(1, (s.end - s.start) * px);
    if (!s.speech || !s.probabilities) {
      // Hatching, clipped to the segment.
      g.save();
      g.beginPath();
      g.rect(x, 0, w, height);
      g.clip();
      g.fillStyle = css('--gap');
      for (let hx = x - height; hx < x + w; hx += 4) g.fillRect(hx, 0, 1.5, height);
      g.restore();
      continue;
    }
    let y = height;
    for (const code of EMOTION_ORDER) {
      const h = Number(s.probabilities[code] ?? 0) * height;
      g.fillStyle = colours[code];
      g.fillRect(x, y - h, w + 0.5, h);
      y -= h;
    }
  }
  const speechS = speech.reduce((t, s) => t + s.end - s.start, 0);
  const byLabel = {};
  for (const s of speech) byLabel[s.label] = (byLabel[s.label] ?? 0) + s.end - s.start;
  const ranked = Object.entries(byLabel).sort((a, b) => b[1] - a[1]);
  const pauses = gaps.slice(0, 5).map((s) => `${s.start.toFixed(1)}–${s.end.toFixed(1)} s`).join(', ');
  canvas.setAttribute(
    'aria-label',
    `Emotion timeline over ${seconds(duration)}: ${speech.length} segment(s) with speech (${seconds(speechS)}` +
      (ranked.length ? `, mostly ${labels[ranked[0][0]] ?? ranked[0][0]}` : '') +
      `), ${gaps.length} without` +
      (gaps.length ? ` (${pauses}${gaps.length > 5 ? ', …' : ''})` : ''),
  );
}

/** The timeline's colour keys, as text with swatches. */
export function renderLegend(container, labels) {
  const key = (cls, colour) => {
    const span = Object.assign(document.createElement('span'), { className: `key ${cls}` });
    if (colour) span.style.backgroundColor = colour;
    return span;
  };
  container.replaceChildren(
    'Timeline:',
    ...EMOTION_ORDER.flatMap((code) => [key(code, css(`--emo-${code}`)), labels[code] ?? code]),
    key('gap'), 'no speech',
  );
}

/** "Speech 82.4 s of 120.0 s, in 14 segments: neutral 61 %, sad 22 % …". */
export function describeSummary(summary, labels) {
  if (!summary) return '';
  const head = `Speech ${summary.speech.toFixed(1)} s of ${summary.duration.toFixed(1)} s, in ${summary.segments} segment(s)`;
  if (!summary.shares) return `${head}: no speech to classify.`;
  const shares = Object.entries(summary.shares)
    .filter(([, p]) => p > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([code, p]) => `${labels[code] ?? code} ${Math.round(100 * p)} %`);
  return `${head}. Share of the speech time: ${shares.join(', ')}.`;
}

/** The result's notes (how it was reached), one item each. */
export function renderNotes(list, notes) {
  list.replaceChildren(...(notes ?? []).map((note) => Object.assign(document.createElement('li'), { textContent: note })));
}

const cell = (text, className) => Object.assign(document.createElement('td'), { textContent: text, ...(className ? { className } : {}) });

/**
 * The table of results: per entry {name, result?, error?} a file row, and
 * for a recording cut into segments, one row per segment. `onShow(i)` is
 * called when a file's name is picked.
 */
export function renderBatch(tbody, entries, labels, onShow) {
  const rows = [];
  const numbers = (p) => EMOTION_ORDER.map((code) => cell(p ? percent(Number(p[code] ?? 0)) : ''));
  const labelOf = (r) => (r.label === null ? 'no speech' : labels[r.label] ?? r.label);
  entries.forEach((entry, i) => {
    const row = document.createElement('tr');
    row.dataset.kind = 'file';
    const name = document.createElement('td');
    const show = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: entry.name });
    show.addEventListener('click', () => onShow(i));
    name.append(show);
    if (entry.error) {
      row.dataset.error = 'true';
      const error = cell(`error: ${entry.error}`);
      error.colSpan = 7;
      row.append(name, error);
      rows.push(row);
      return;
    }
    const r = entry.result;
    row.dataset.label = r.label ?? 'none';
    const end = r.durationS ?? null;
    row.append(name, cell(end === null ? '' : '0.00'), cell(end === null ? '' : end.toFixed(2)),
      cell(labelOf(r), 'label'), ...numbers(r.probabilities));
    rows.push(row);
    if (r.segments.length > 1) {
      r.segments.forEach((s, k) => {
        const seg = document.createElement('tr');
        seg.dataset.kind = 'segment';
        seg.dataset.label = s.label ?? 'none';
        seg.append(cell(`segment ${k + 1}`), cell(s.start.toFixed(2)), cell(s.end.toFixed(2)),
          cell(s.speech ? labelOf(s) : 'no speech', 'label'), ...numbers(s.probabilities));
        rows.push(seg);
      });
    }
  });
  tbody.replaceChildren(...rows);
}

/** A CSV field, quoted when it must be. */
const csvField = (value) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * The table as CSV: a `file` row per entry (the whole recording) and a
 * `segment` row per segment of a recording cut into several, the same
 * columns as `emorec predict --csv` plus the file and the scope.
 */
export function batchCsv(entries) {
  const lines = [['file', 'scope', 'start', 'end', 'speech', 'label', ...EMOTION_ORDER, 'reason', 'error']];
  const probs = (p) => EMOTION_ORDER.map((code) => (p ? Number(p[code]).toFixed(4) : ''));
  for (const { name, result: r, error } of entries) {
    if (error) {
      lines.push([name, 'file', '', '', '', '', '', '', '', '', '', error]);
      continue;
    }
    const end = r.durationS === null ? '' : r.durationS.toFixed(3);
    lines.push([name, 'file', end === '' ? '' : '0.000', end, r.speech ?? '', r.label ?? '', ...probs(r.probabilities), r.reason ?? '', '']);
    if (r.segments.length > 1) {
      for (const s of r.segments) {
        lines.push([name, 'segment', s.start.toFixed(3), s.end.toFixed(3), s.speech, s.label ?? '', ...probs(s.probabilities), s.reason ?? '', '']);
      }
    }
  }
  return lines.map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The results as JSON: everything classify returned but the frame weights. */
export function batchJson(entries, backend) {
  const files = entries.map(({ name, result, error }) => {
    if (error) return { file: name, error };
    const { frameAttention, frameHopS, ...rest } = result;
    return { file: name, ...rest };
  });
  return JSON.stringify({ format: 'emorec-results', version: 1, backend, files }, null, 1);
}

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
