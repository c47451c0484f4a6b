/**
 * Data and formatting logic of the panel: plain TypeScript, no DOM and no JupyterLab imports, so
 * it is unit-tested with vitest in node.
 */

import { elapsedMs, formatDuration, formatMetric, relativeTime } from './format';
import type { IMonitorStatus, IServed } from './serving';

export * from './format';

export interface IRunSummary {
  run_id: string;
  name: string;
  status: string;
  experiment_id: string;
  experiment: string | null;
  start_time: number | null;
  end_time: number | null;
  kind: string | null;
  parent_id: string | null;
  notebook: string | null;
  in_notebook: boolean;
  metrics: Record<string, number>;
  ui_url: string | null;
}

export interface IRunPage {
  runs: IRunSummary[];
  next_page_token: string | null;
  server_time: number;
  store: string;
  store_exists: boolean;
  ui_url: string | null;
}

export interface IArtifact {
  path: string;
  is_dir: boolean;
  size: number | null;
  error?: string;
}

export interface IRunDetail extends IRunSummary {
  params: Record<string, string>;
  tags: Record<string, string>;
  artifact_uri: string;
  artifacts: IArtifact[];
  children: IRunSummary[];
  server_time: number;
}

export interface IActiveRun extends IRunSummary {
  notebook_run: IRunSummary | null;
  server_time: number;
}

export interface IModelVersion {
  version: string;
  run_id: string | null;
  status: string;
  source: string;
  created: number | null;
  aliases: string[];
  tags: Record<string, string>;
}

export interface IRegisteredModel {
  name: string;
  description: string;
  aliases: Record<string, string>;
  tags: Record<string, string>;
  last_updated: number | null;
  versions: IModelVersion[];
  /** Its live model servers (older server extensions do not send them). */
  served?: IServed[];
  /** The newest check of each monitor watching it, with its last retraining. */
  monitors?: IMonitorStatus[];
}

export interface IDataVersion {
  version: number;
  hash: string;
  kind: string;
  size: number;
  created: string;
  message: string;
  path: string | null;
  rows: number | null;
  columns: number | null;
  files: number | null;
  format: string | null;
  produced_by: string | null;
  used_by: string[];
}

export interface IDataset {
  name: string;
  count: number;
  latest: IDataVersion;
  versions: IDataVersion[];
}

export interface IPipelineStep {
  name: string;
  run_id: string;
  status: string;
  state: string;
  start_time: number | null;
  end_time: number | null;
  reason: string | null;
  error: string | null;
  notebook: string | null;
}

export interface IPipelineRun extends IRunSummary {
  pipeline: string;
  file: string | null;
  steps: IPipelineStep[];
}

export interface INotebookParameter {
  name: string;
  value: string;
  type: string;
}

export interface IJob {
  id: string;
  notebook: string;
  parameters: Record<string, string>;
  state: 'running' | 'succeeded' | 'failed';
  started: number;
  finished: number | null;
  result: {
    ok?: boolean;
    state?: string;
    error?: string | null;
    executed?: string | null;
    run_id?: string | null;
    pipeline_run_id?: string | null;
  } | null;
}

/** CSS modifier for a run or step status. */
export function statusClass(status: string): string {
  const s = status.toLowerCase();
  if (s === 'running' || s === 'scheduled' || s === 'pending') {
    return 'mlops-status-running';
  }
  if (s === 'finished' || s === 'succeeded' || s === 'cached' || s === 'ready') {
    return 'mlops-status-ok';
  }
  if (s === 'failed') {
    return 'mlops-status-failed';
  }
  return 'mlops-status-other';
}

/** Only plain http(s) links are ever put in an href (never `javascript:` or data). */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) {
    return null;
  }
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The MLflow UI page of a run, when a tracking server URL is known. */
export function mlflowRunUrl(
  base: string | null,
  experimentId: string,
  runId: string
): string | null {
  const safe = safeHttpUrl(base);
  if (!safe) {
    return null;
  }
  return `${safe.replace(/\/+$/, '')}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;
}

/** A query string from the defined, non-empty values. */
export function buildQuery(
  params: Record<string, string | number | boolean | null | undefined>
): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') {
      continue;
    }
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Cell tags with `tag` added or removed; `undefined` when no tag is left. */
export function toggleTag(
  tags: readonly string[] | undefined | null,
  tag: string
): string[] | undefined {
  const current = Array.isArray(tags) ? tags.filter(t => typeof t === 'string') : [];
  const next = current.includes(tag) ? current.filter(t => t !== tag) : [...current, tag];
  return next.length ? next : undefined;
}

/** The values the user changed in the dialog (text, exactly as typed). */
export function changedParameters(
  original: readonly INotebookParameter[],
  edited: Record<string, string>
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of original) {
    const value = edited[p.name];
    if (value !== undefined && value.trim() !== p.value.trim()) {
      out[p.name] = value;
    }
  }
  return out;
}

export interface IRunSection {
  title: string;
  runs: IRunSummary[];
}

/**
 * The Runs tab's list: pages appended as the user asks for more, each run once, the open
 * notebook's runs first (the server sends them first and flags them `in_notebook`).
 */
export class RunList {
  private _runs: IRunSummary[] = [];
  private _ids = new Set<string>();
  private _next: string | null = null;
  private _serverTime = 0;
  private _fetchedAt = 0;
  storeExists = true;
  store = '';
  uiUrl: string | null = null;
  notebook: string | null = null;

  get runs(): readonly IRunSummary[] {
    return this._runs;
  }

  get nextPageToken(): string | null {
    return this._next;
  }

  get hasMore(): boolean {
    return this._next !== null;
  }

  get serverTime(): number {
    return this._serverTime;
  }

  get fetchedAt(): number {
    return this._fetchedAt;
  }

  get isEmpty(): boolean {
    return this._runs.length === 0;
  }

  /** Whether any listed run is still running (the panel then refreshes itself). */
  get anyRunning(): boolean {
    return this._runs.some(r => r.status === 'RUNNING');
  }

  reset(page: IRunPage, notebook: string | null, fetchedAt: number): void {
    this._runs = [];
    this._ids.clear();
    this.notebook = notebook;
    this.append(page, fetchedAt);
  }

  append(page: IRunPage, fetchedAt: number): void {
    for (const run of page.runs) {
      if (!this._ids.has(run.run_id)) {
        this._ids.add(run.run_id);
        this._runs.push(run);
      }
    }
    this._next = page.next_page_token;
    this._serverTime = page.server_time;
    this._fetchedAt = fetchedAt;
    this.storeExists = page.store_exists;
    this.store = page.store;
    this.uiUrl = page.ui_url;
  }

  sections(): IRunSection[] {
    const mine = this._runs.filter(r => r.in_notebook);
    const others = this._runs.filter(r => !r.in_notebook);
    const out: IRunSection[] = [];
    if (this.notebook) {
      out.push({ title: `This notebook (${basename(this.notebook)})`, runs: mine });
      if (others.length || this.hasMore) {
        out.push({ title: 'Other runs', runs: others });
      }
    } else {
      out.push({ title: 'All runs', runs: others });
    }
    return out;
  }
}

export function basename(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1] || path;
}

/** The metrics of a run as "name=value" texts (the server sends a row's first few). */
export function metricSnippets(metrics: Record<string, number>, n = Infinity): string[] {
  return Object.entries(metrics)
    .slice(0, n)
    .map(([k, v]) => `${k}=${formatMetric(v)}`);
}

/** What one row of the Runs tab shows; its JSON is the row's signature for keyed updates. */
export interface IRunRow {
  id: string;
  name: string;
  status: string;
  kind: string | null;
  when: string;
  duration: string;
  experiment: string | null;
  metrics: string[];
}

/**
 * The row of `run` at client time `now`, the server clock being `serverTime` when the page
 * arrived at client time `fetchedAt`.
 */
export function runRow(
  run: IRunSummary,
  serverTime: number,
  fetchedAt: number,
  now: number
): IRunRow {
  return {
    id: run.run_id,
    name: run.name || run.run_id.slice(0, 8),
    status: run.status,
    kind: run.kind,
    when: relativeTime(run.start_time, serverTime + (now - fetchedAt)),
    duration: formatDuration(elapsedMs(run.start_time, run.end_time, serverTime, fetchedAt, now)),
    experiment: run.experiment,
    metrics: metricSnippets(run.metrics)
  };
}
