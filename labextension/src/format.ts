/** How the panel writes durations, clocks, times, metrics and sizes: plain functions, unit-tested. */

/** A duration in milliseconds as people read it: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !isFinite(ms) || ms < 0) {
    return '-';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const s = ms / 1000;
  if (s < 60) {
    return `${s.toFixed(1)} s`;
  }
  const total = Math.floor(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) {
    return `${h} h ${String(m).padStart(2, '0')} min`;
  }
  return `${m} min ${String(sec).padStart(2, '0')} s`;
}

/** A running clock, "0:07", "12:34", "1:02:03". */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return (h > 0 ? `${h}:` : '') + `${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * Elapsed time of a run at client time `now`, corrected for the clock skew between the server
 * (`serverTime`, sent with the data) and the client (`fetchedAt`, when the data arrived).
 */
export function elapsedMs(
  startTime: number | null,
  endTime: number | null,
  serverTime: number,
  fetchedAt: number,
  now: number
): number | null {
  if (startTime === null) {
    return null;
  }
  if (endTime !== null) {
    return endTime - startTime;
  }
  const serverNow = serverTime + (now - fetchedAt);
  return Math.max(0, serverNow - startTime);
}

/** "just now", "5 min ago", "3 h ago", or the date for older. */
export function relativeTime(ms: number | null, now: number): string {
  if (ms === null) {
    return '';
  }
  const diff = (now - ms) / 1000;
  if (diff < 45) {
    return 'just now';
  }
  if (diff < 3600) {
    return `${Math.round(diff / 60)} min ago`;
  }
  if (diff < 86400) {
    return `${Math.round(diff / 3600)} h ago`;
  }
  const d = new Date(ms);
  return d.toISOString().slice(0, 10);
}

/** A metric value compactly: 4 significant digits, integers as they are. */
export function formatMetric(value: number): string {
  if (!isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e9) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(3);
  }
  return String(Number(value.toPrecision(4)));
}

/**
 * A size written the way the CLI and the notebook cards write it (Python's
 * `mlops_magics.core.formatting.human_size`): decimal units (1 KB = 1000 B), whole bytes
 * below 1 KB, one decimal above, ties rounded half to even like Python's `format(x, '.1f')`.
 */
export function formatBytes(size: number | null | undefined): string {
  if (size === null || size === undefined || !Number.isFinite(size)) {
    return '';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = size;
  for (const unit of units) {
    if (v < 1000 || unit === 'TB') {
      return unit === 'B' ? `${Math.trunc(v)} B` : `${fixed1(v)} ${unit}`;
    }
    v /= 1000;
  }
  return `${size} B`;
}

/**
 * `x` with one decimal, rounded like Python (correctly rounded, exact ties to even). JavaScript's
 * `toFixed` is correctly rounded too but sends exact ties up; a double is an exact tie at one
 * decimal only when `4x` is an odd integer (x = m/4), where `10x` is exact.
 */
function fixed1(x: number): string {
  const four = x * 4;
  if (Number.isInteger(four) && Math.abs(four % 2) === 1) {
    const low = Math.floor(x * 10);
    const n = low % 2 === 0 ? low : low + 1;
    return (n / 10).toFixed(1);
  }
  return x.toFixed(1);
}
