import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';

import { DEFAULT_SETTINGS, SettingsHolder, readSettings } from '../src/settings';

const schema = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'plugin.json'), 'utf-8'));

describe('settings', () => {
  it('the defaults in the code are the schema defaults', () => {
    expect(schema.properties.refreshInterval.default).toBe(DEFAULT_SETTINGS.refreshInterval);
    expect(schema.properties.statusBar.default).toBe(DEFAULT_SETTINGS.statusBar);
    const modes = schema.properties.statusBar.oneOf.map((o: { const: string }) => o.const);
    for (const mode of modes) {
      expect(readSettings({ statusBar: mode }).statusBar).toBe(mode);
    }
  });
  it('missing or invalid values fall back; the interval is kept within the schema bounds', () => {
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({ refreshInterval: 'x', statusBar: 'loud' })).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({ refreshInterval: 10 }).refreshInterval).toBe(
      schema.properties.refreshInterval.minimum
    );
    expect(readSettings({ refreshInterval: 1e9 }).refreshInterval).toBe(
      schema.properties.refreshInterval.maximum
    );
    expect(readSettings({ refreshInterval: 5000, statusBar: 'name' })).toEqual({
      refreshInterval: 5000,
      statusBar: 'name'
    });
  });
  it('announces a change once, and is ready after the first update', async () => {
    const holder = new SettingsHolder();
    const seen: string[] = [];
    holder.changed.connect((_, s) => seen.push(s.statusBar));
    holder.update({ statusBar: 'hidden' });
    holder.update({ statusBar: 'hidden' });
    await holder.ready;
    expect(seen).toEqual(['hidden']);
  });
  it('declares the toolbar buttons users can hide or move', () => {
    const notebook = schema['jupyter.lab.toolbars'].Notebook.map(
      (i: { command: string }) => i.command
    );
    expect(notebook).toEqual([
      'mlops:toggle-parameters-cell',
      'mlops:run-notebook-with-parameters'
    ]);
    expect(schema['jupyter.lab.transform']).toBe(true);
  });
});
