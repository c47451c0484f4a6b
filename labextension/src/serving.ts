/**
 * What the Models tab says of production: the model servers of a model and its latest monitor
 * check, as texts and tones. Plain TypeScript (no DOM), unit-tested with vitest.
 */

import { relativeTime } from './format';

/** One live server (the server extension's `ServedModel.to_dict()`). */
export interface IServed {
  url: string;
  pid: number;
  source: string;
  model: string;
  alias: string;
  version: string | null;
  state: string; // serving | starting | not answering
  requests: number;
  errors: number;
  rows: number;
  dataset_drift: boolean | null;
  drifted: string[];
  features: number;
  has_reference: boolean;
  started: number; // epoch seconds
  workers: number;
  capture: string | null;
  capture_rows: number;
  shadow: string | null;
  shadow_version: string | null;
  shadow_agreement: number | null;
  canary: string | null;
  canary_version: string | null;
  canary_share: number;
  load_error: string | null;
  drift_verdict: string;
  metrics_url: string;
}

/** What a retraining did (the monitoring core's `TriggerOutcome`, as read back from a check's run). */
export interface ITriggerOutcome {
  state: string; // started | promoted | not promoted | failed | cancelled
  summary: string;
  at: number; // epoch seconds
  candidate: string | null;
  pipeline_run_id: string | null;
}

/** The newest check of one monitor (a model alias watched on one traffic dataset). */
export interface IMonitorStatus {
  model: string;
  alias: string;
  traffic: string;
  version: string;
  verdict: string; // drift | no drift | no traffic
  at: number; // epoch seconds
  run_id: string;
  drifted: string[];
  share_drifted: number | null;
  window: string;
  last_trigger: ITriggerOutcome | null;
}

/** How a verdict or a state is coloured: `bad` (drift, not answering), `good`, `busy` or `unknown`. */
export type Tone = 'good' | 'bad' | 'busy' | 'unknown';

/** The tone of a server's own drift verdict (from the requests it answered). */
export function servedDriftTone(s: IServed): Tone {
  if (s.state !== 'serving' || s.dataset_drift === null) {
    return 'unknown';
  }
  return s.dataset_drift ? 'bad' : 'good';
}

/** The tone of a monitor check's verdict. */
export function verdictTone(verdict: string): Tone {
  return verdict === 'drift' ? 'bad' : verdict === 'no drift' ? 'good' : 'unknown';
}

/** The tone of a server's state. */
export function stateTone(state: string): Tone {
  return state === 'serving' ? 'good' : state === 'starting' ? 'busy' : 'bad';
}

/** The status class of the dot in front of a server (the panel's run colours). */
export function stateClass(state: string): string {
  const tone = stateTone(state);
  return tone === 'good'
    ? 'mlops-status-ok'
    : tone === 'busy'
      ? 'mlops-status-running'
      : 'mlops-status-failed';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `v3`, or the version as the server wrote it, or `?` when it did not say. */
export function versionText(version: string | null | undefined): string {
  if (!version) {
    return '?';
  }
  return /^\d+$/.test(version) ? `v${version}` : version;
}

/** The short facts of a server on its card, in order: version answering, requests, state. */
export function servedFacts(s: IServed): string[] {
  if (s.state !== 'serving') {
    return [s.state];
  }
  const facts = [versionText(s.version), plural(s.requests, 'request')];
  if (s.errors) {
    facts.push(plural(s.errors, 'error'));
  }
  return facts;
}

/** The server's drift verdict as its card shows it (shorter than the CLI's). */
export function servedDriftText(s: IServed): string {
  if (s.state !== 'serving') {
    return '';
  }
  if (s.dataset_drift === null) {
    return s.has_reference ? 'drift: not computed yet' : 'drift: no reference';
  }
  const of = s.features ? ` ${s.drifted.length}/${s.features}` : '';
  return s.dataset_drift ? `drift${of}` : 'no drift';
}

/** Everything known of a server, one fact a line (its card's tooltip). */
export function servedDetail(s: IServed): string {
  const lines = [
    `${s.source} at ${s.url}`,
    `state: ${s.state} (pid ${s.pid}${s.workers > 1 ? `, ${s.workers} workers` : ''})`
  ];
  if (s.state === 'serving') {
    lines.push(
      `${s.model}${s.alias ? `@${s.alias}` : ''} answering with ${versionText(s.version)}`,
      `${plural(s.requests, 'request')} (${plural(s.errors, 'error')}), ${plural(s.rows, 'row')}`,
      `drift: ${s.drift_verdict}${s.drifted.length ? ` (${s.drifted.join(', ')})` : ''}`
    );
  }
  if (s.canary) {
    lines.push(
      `canary ${s.canary} ${versionText(s.canary_version)} answers ${Math.round(s.canary_share * 100)}%`
    );
  }
  if (s.shadow) {
    const agree =
      s.shadow_agreement === null ? '' : `, agreement ${(s.shadow_agreement * 100).toFixed(1)}%`;
    lines.push(`shadow ${s.shadow} ${versionText(s.shadow_version)}${agree}`);
  }
  if (s.capture) {
    lines.push(`capture -> dataset ${s.capture} (${plural(s.capture_rows, 'row')} captured)`);
  }
  if (s.load_error) {
    lines.push(`last load failed: ${s.load_error}`);
  }
  lines.push(`metrics: ${s.metrics_url}`);
  return lines.join('\n');
}

/** The share of drifted columns as a percentage, or '' when the window was empty. */
export function shareText(share: number | null): string {
  return share === null || !isFinite(share) ? '' : `${Math.round(share * 100)}% of columns`;
}

/** A monitor's latest check on one line: `drift · 100% of columns · 5 min ago` (parts, in order). */
export function checkParts(m: IMonitorStatus, now: number): string[] {
  return [m.verdict || '?', shareText(m.share_drifted), relativeTime(m.at * 1000, now)].filter(
    Boolean
  );
}

/** Everything of a check (its line's tooltip). */
export function checkDetail(m: IMonitorStatus): string {
  const lines = [
    `monitor ${m.model}@${m.alias} on ${m.traffic}: window ${m.window || '?'}, ${versionText(m.version)} served`,
    `verdict: ${m.verdict}` + (m.share_drifted === null ? '' : `, ${shareText(m.share_drifted)}`),
    m.drifted.length ? `drifted: ${m.drifted.join(', ')}` : 'no column drifted',
    `checked ${isoTime(m.at)} (run ${m.run_id})`
  ];
  return lines.join('\n');
}

/** The last retraining on one line: `5 min ago · candidate v4 · not promoted` (parts, in order). */
export function retrainParts(t: ITriggerOutcome, now: number): string[] {
  return [
    relativeTime(t.at * 1000, now),
    t.candidate ? `candidate ${versionText(t.candidate)}` : 'no candidate',
    t.state
  ];
}

/** Why a retraining ended as it did: its summary after the run and candidate (which its line shows). */
export function retrainWhy(t: ITriggerOutcome): string {
  const parts = t.summary.split('; ');
  const rest =
    parts.length > 1 && /candidate|no new version/.test(parts[0]) ? parts.slice(1) : parts;
  return rest.join('; ');
}

/** Everything of a retraining (its line's tooltip). */
export function retrainDetail(t: ITriggerOutcome): string {
  const lines = [`last retraining ${isoTime(t.at)}: ${t.state}`, t.summary];
  if (t.pipeline_run_id) {
    lines.push(`pipeline run ${t.pipeline_run_id}`);
  }
  return lines.filter(Boolean).join('\n');
}

/** The newest retraining among a model's monitors (they all carry the model's last one). */
export function lastRetraining(monitors: readonly IMonitorStatus[]): ITriggerOutcome | null {
  let last: ITriggerOutcome | null = null;
  for (const m of monitors) {
    if (m.last_trigger && (!last || m.last_trigger.at > last.at)) {
      last = m.last_trigger;
    }
  }
  return last;
}

/** What the serving and monitoring part of a model card shows at `now`: its keyed-update signature. */
export function productionSig(
  served: readonly IServed[],
  monitors: readonly IMonitorStatus[],
  now: number
): unknown {
  const last = lastRetraining(monitors);
  return [
    served.map(s => [
      s.url,
      s.source,
      stateTone(s.state),
      servedFacts(s),
      servedDriftText(s),
      servedDetail(s)
    ]),
    monitors.map(m => [checkParts(m, now), checkDetail(m)]),
    last ? [retrainParts(last, now), retrainDetail(last)] : null
  ];
}

/** The key of a server among others: one process at one address. */
export function servedKey(s: IServed): string {
  return `${s.url} ${s.pid}`;
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
