'use strict';
// Order statistics over a list of numbers; no sampling, no interpolation beyond the median.

/** The median (mean of the two middle values for an even count); NaN for an empty list. */
function median(values) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The nearest-rank percentile `p` (0..100); NaN for an empty list. */
function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1];
}

/** The value of `sizes` for the run's mode ('full', 'quick' or 'smoke'). */
function bySize(mode, sizes) {
  if (!(mode in sizes)) throw new Error(`no size for mode ${mode}`);
  return sizes[mode];
}

module.exports = { median, percentile, bySize };
