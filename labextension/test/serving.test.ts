import { describe, expect, it } from 'vitest';

import {
  IMonitorStatus,
  IServed,
  ITriggerOutcome,
  checkDetail,
  checkParts,
  lastRetraining,
  productionSig,
  retrainParts,
  retrainWhy,
  servedDetail,
  servedDriftText,
  servedDriftTone,
  servedFacts,
  stateClass,
  verdictTone,
  versionText
} from '../src/serving';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

function served(over: Partial<IServed> = {}): IServed {
  return {
    url: 'http://127.0.0.1:5001',
    pid: 4242,
    source: 'churn@champion',
    model: 'churn',
    alias: 'champion',
    version: '3',
    state: 'serving',
    requests: 1234,
    errors: 0,
    rows: 5000,
    dataset_drift: true,
    drifted: ['tenure', 'plan'],
    features: 4,
    has_reference: true,
    started: NOW / 1000 - 600,
    workers: 1,
    capture: null,
    capture_rows: 0,
    shadow: null,
    shadow_version: null,
    shadow_agreement: null,
    canary: null,
    canary_version: null,
    canary_share: 0,
    load_error: null,
    drift_verdict: 'drift (2 of 4 features)',
    metrics_url: 'http://127.0.0.1:5001/metrics',
    ...over
  };
}

const trigger: ITriggerOutcome = {
  state: 'not promoted',
  summary:
    'pipeline run 1a2b3c4d: candidate v4 (gates: accuracy >= 0.8); refused: accuracy 0.79 < 0.80; churn@champion stays at v3',
  at: NOW / 1000 - 7200,
  candidate: '4',
  pipeline_run_id: '1a2b3c4d5e6f'
};

function monitor(over: Partial<IMonitorStatus> = {}): IMonitorStatus {
  return {
    model: 'churn',
    alias: 'champion',
    traffic: 'traffic',
    version: '3',
    verdict: 'drift',
    at: NOW / 1000 - 300,
    run_id: 'abc123',
    drifted: ['tenure', 'charges', 'plan'],
    share_drifted: 1,
    window: 'traffic@v7',
    last_trigger: trigger,
    ...over
  };
}

describe('a served model', () => {
  it('shows the version answering, its requests and its drift in colour', () => {
    const s = served();
    expect(servedFacts(s)).toEqual(['v3', '1,234 requests']);
    expect(servedFacts(served({ requests: 1, errors: 2 }))).toEqual([
      'v3',
      '1 request',
      '2 errors'
    ]);
    expect(servedDriftText(s)).toBe('drift 2/4');
    expect(servedDriftTone(s)).toBe('bad');
    expect(servedDriftText(served({ dataset_drift: false, drifted: [] }))).toBe('no drift');
    expect(servedDriftTone(served({ dataset_drift: false }))).toBe('good');
    expect(servedDriftText(served({ dataset_drift: null }))).toBe('drift: not computed yet');
    expect(servedDriftText(served({ dataset_drift: null, has_reference: false }))).toBe(
      'drift: no reference'
    );
    expect(servedDriftTone(served({ dataset_drift: null }))).toBe('unknown');
    expect(stateClass('serving')).toBe('mlops-status-ok');
  });
  it('that does not answer says so, and nothing it said before', () => {
    const s = served({ state: 'not answering', version: null, dataset_drift: null, requests: 0 });
    expect(servedFacts(s)).toEqual(['not answering']);
    expect(servedDriftText(s)).toBe('');
    expect(servedDriftTone(served({ state: 'not answering' }))).toBe('unknown');
    expect(stateClass('not answering')).toBe('mlops-status-failed');
    expect(stateClass('starting')).toBe('mlops-status-running');
    expect(servedDetail(s)).toContain('state: not answering (pid 4242)');
    expect(servedDetail(s)).not.toContain('requests');
  });
  it('has everything in its tooltip, one fact a line', () => {
    const detail = servedDetail(
      served({
        workers: 2,
        canary: 'challenger',
        canary_version: '4',
        canary_share: 0.05,
        load_error: 'challenger: model not found'
      })
    ).split('\n');
    expect(detail).toEqual([
      'churn@champion at http://127.0.0.1:5001',
      'state: serving (pid 4242, 2 workers)',
      'churn@champion answering with v3',
      '1,234 requests (0 errors), 5,000 rows',
      'drift: drift (2 of 4 features) (tenure, plan)',
      'canary challenger v4 answers 5%',
      'last load failed: challenger: model not found',
      'metrics: http://127.0.0.1:5001/metrics'
    ]);
  });
  it('writes versions like the CLI', () => {
    expect(versionText('12')).toBe('v12');
    expect(versionText(null)).toBe('?');
    expect(versionText('models/churn')).toBe('models/churn');
  });
});

describe('a monitor', () => {
  it('shows its latest check: verdict, share drifted, when', () => {
    expect(checkParts(monitor(), NOW)).toEqual(['drift', '100% of columns', '5 min ago']);
    expect(checkParts(monitor({ verdict: 'no traffic', share_drifted: null }), NOW)).toEqual([
      'no traffic',
      '5 min ago'
    ]);
    expect(verdictTone('drift')).toBe('bad');
    expect(verdictTone('no drift')).toBe('good');
    expect(verdictTone('no traffic')).toBe('unknown');
    expect(checkDetail(monitor())).toBe(
      'monitor churn@champion on traffic: window traffic@v7, v3 served\n' +
        'verdict: drift, 100% of columns\n' +
        'drifted: tenure, charges, plan\n' +
        'checked 2026-11-29 11:55:00 UTC (run abc123)'
    );
  });
  it('shows the last retraining: when, the candidate, promoted or not, and why', () => {
    expect(retrainParts(trigger, NOW)).toEqual(['2 h ago', 'candidate v4', 'not promoted']);
    expect(retrainWhy(trigger)).toBe('refused: accuracy 0.79 < 0.80; churn@champion stays at v3');
    const failed = {
      ...trigger,
      state: 'failed',
      candidate: null,
      summary: 'retraining could not run (x)'
    };
    expect(retrainParts(failed, NOW)).toEqual(['2 h ago', 'no candidate', 'failed']);
    expect(retrainWhy(failed)).toBe('retraining could not run (x)');
  });
  it('takes the newest retraining of the model among its monitors', () => {
    const newer = { ...trigger, at: trigger.at + 60, candidate: '5' };
    expect(lastRetraining([monitor(), monitor({ last_trigger: newer })])).toBe(newer);
    expect(lastRetraining([monitor({ last_trigger: null })])).toBeNull();
  });
});

describe('the keyed-update signature of the production part of a card', () => {
  it('is the same for the same data at the same minute, different when what shows changes', () => {
    const a = JSON.stringify(productionSig([served()], [monitor()], NOW));
    expect(JSON.stringify(productionSig([served()], [monitor()], NOW + 1000))).toBe(a);
    expect(JSON.stringify(productionSig([served({ requests: 1235 })], [monitor()], NOW))).not.toBe(
      a
    );
    expect(JSON.stringify(productionSig([served()], [monitor()], NOW + 120_000))).not.toBe(a);
  });
});
