// The calibration to one's voice, kept in this browser's localStorage: the
// statistics Classifier.calibrate makes (no audio), with when they were made.
// Nothing here leaves the machine; "Forget calibration" removes it.

// The key names the stored shape's version: a page that stores something
// else later uses another key and leaves this one alone.
export const CALIBRATION_KEY = 'emorec.calibration.v1';
const FORMAT = 'emorec-calibration';
const VERSION = 1;

/**
 * The saved calibration, or null. Something unreadable under the key (an
 * edited or older entry) is dropped with a warning rather than used: a wrong
 * calibration would skew every result.
 * @returns {{ calibration: import('./pkg/index.js').Calibration, savedAt: string } | null}
 */
export function loadCalibration() {
  let raw;
  try {
    raw = localStorage.getItem(CALIBRATION_KEY);
  } catch (e) {
    console.warn(`emorec: the saved calibration cannot be read here (${e.message})`);
    return null;
  }
  if (raw === null) return null;
  try {
    const saved = JSON.parse(raw);
    const c = saved?.calibration;
    if (c?.format !== FORMAT || c.version !== VERSION || typeof saved.savedAt !== 'string' || !Number.isFinite(c.seconds)) {
      throw new Error(`not an ${FORMAT} ${VERSION}`);
    }
    return saved;
  } catch (e) {
    console.warn(`emorec: the saved calibration was dropped (${e.message})`);
    forgetCalibration();
    return null;
  }
}

/** Saves `calibration` (where storage is refused, it lasts for this page only). */
export function saveCalibration(calibration) {
  const saved = { calibration, savedAt: new Date().toISOString() };
  try {
    localStorage.setItem(CALIBRATION_KEY, JSON.stringify(saved));
  } catch (e) {
    console.warn(`emorec: the calibration could not be saved (${e.message}); it lasts until the page is closed`);
  }
  return saved;
}

export function forgetCalibration() {
  try {
    localStorage.removeItem(CALIBRATION_KEY);
  } catch {
    // Nothing was stored where storage is refused.
  }
}
