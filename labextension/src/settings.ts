/**
 * The user's choices, from `schema/plugin.json` through JupyterLab's setting registry. Plain
 * TypeScript (no JupyterLab imports) so vitest checks the defaults against the schema.
 */

import { ISignal, Signal } from '@lumino/signaling';

/** The plugin id; its schema is `schema/plugin.json`. */
export const PLUGIN_ID = 'mlops-magics:plugin';

/** What the status bar item shows while a run is active. */
export type StatusBarMode = 'name-and-time' | 'name' | 'hidden';
const STATUS_BAR_MODES: readonly StatusBarMode[] = ['name-and-time', 'name', 'hidden'];

export interface IMlopsSettings {
  /** Milliseconds between two polls of the server while the panel or the status bar is shown. */
  refreshInterval: number;
  statusBar: StatusBarMode;
}

/** The schema's defaults (test/settings.test.ts checks they are the same). */
export const DEFAULT_SETTINGS: Readonly<IMlopsSettings> = {
  refreshInterval: 3000,
  statusBar: 'name-and-time'
};

export const MIN_REFRESH_INTERVAL = 1000;
export const MAX_REFRESH_INTERVAL = 300_000;

/** The settings from a composite settings object; anything missing or invalid falls back to the default. */
export function readSettings(
  composite: Readonly<Record<string, unknown>> | null | undefined
): IMlopsSettings {
  const raw = composite ?? {};
  const interval = Number(raw.refreshInterval);
  const mode = raw.statusBar as StatusBarMode;
  return {
    refreshInterval: Number.isFinite(interval)
      ? Math.min(MAX_REFRESH_INTERVAL, Math.max(MIN_REFRESH_INTERVAL, Math.round(interval)))
      : DEFAULT_SETTINGS.refreshInterval,
    statusBar: STATUS_BAR_MODES.includes(mode) ? mode : DEFAULT_SETTINGS.statusBar
  };
}

/**
 * The current settings and a signal when they change (the panel's and status bar's polls follow
 * it). `ready` resolves once the user's settings are known, so nothing polls with a setting the
 * user turned off.
 */
export class SettingsHolder {
  private _current: IMlopsSettings = { ...DEFAULT_SETTINGS };
  private _changed = new Signal<this, IMlopsSettings>(this);
  private _resolve: () => void = () => undefined;
  readonly ready: Promise<void> = new Promise<void>(resolve => (this._resolve = resolve));

  /** The user's settings are known (loaded, or there are none to load: keep the defaults). */
  markReady(): void {
    this._resolve();
  }

  get current(): Readonly<IMlopsSettings> {
    return this._current;
  }

  get changed(): ISignal<this, IMlopsSettings> {
    return this._changed;
  }

  /** Take new values from the setting registry's composite. */
  update(composite: Readonly<Record<string, unknown>> | null | undefined): void {
    const next = readSettings(composite);
    this.markReady();
    if (
      next.refreshInterval !== this._current.refreshInterval ||
      next.statusBar !== this._current.statusBar
    ) {
      this._current = next;
      this._changed.emit(next);
    }
  }
}
