/** The serving and monitoring blocks of a model's card in the Models tab (texts from `serving.ts`). */

import { h, oneLine } from './dom';
import { safeHttpUrl } from './model';
import {
  IMonitorStatus,
  IServed,
  ITriggerOutcome,
  Tone,
  checkDetail,
  checkParts,
  lastRetraining,
  retrainDetail,
  retrainParts,
  retrainWhy,
  servedDetail,
  servedDriftText,
  servedDriftTone,
  servedFacts,
  stateClass,
  verdictTone
} from './serving';

/** The servers of one model, one row each; null when nothing serves it. */
export function servingBlock(served: readonly IServed[]): HTMLElement | null {
  if (!served.length) {
    return null;
  }
  return h(
    'div',
    { class: 'mlops-serving' },
    h('div', { class: 'mlops-block-label' }, 'serving'),
    ...served.map(s => servedRow(s))
  );
}

/** One server: its URL (a link, new tab), the version answering, requests, drift, state or load error. */
export function servedRow(s: IServed, withSource = false): HTMLElement {
  const href = safeHttpUrl(s.url);
  const drift = servedDriftText(s);
  return h(
    'div',
    { class: 'mlops-served', 'data-url': s.url, 'data-state': s.state, title: servedDetail(s) },
    h(
      'div',
      { class: 'mlops-served-head' },
      h('span', { class: `mlops-dot ${stateClass(s.state)}`, title: s.state }),
      href
        ? h(
            'a',
            { class: 'mlops-oneline mlops-served-url', href, title: `${s.url} (new tab)` },
            s.url
          )
        : oneLine(s.url, 'mlops-served-url')
    ),
    withSource ? oneLine(s.source, 'mlops-served-source mlops-muted mlops-small') : null,
    h(
      'div',
      { class: 'mlops-served-facts' },
      ...servedFacts(s).map((fact, i) =>
        i === 0 && s.state !== 'serving'
          ? toned(fact, s.state === 'starting' ? 'busy' : 'bad', 'mlops-served-state')
          : h('span', { class: 'mlops-fact' }, fact)
      ),
      drift ? toned(drift, servedDriftTone(s), 'mlops-served-drift') : null
    ),
    s.load_error
      ? h(
          'div',
          { class: 'mlops-error mlops-small mlops-oneline', title: s.load_error },
          `last load failed: ${s.load_error}`
        )
      : null
  );
}

/** The latest check of each monitor of one model and its last retraining; null when unmonitored. */
export function monitoringBlock(
  monitors: readonly IMonitorStatus[],
  now: number
): HTMLElement | null {
  if (!monitors.length) {
    return null;
  }
  const last = lastRetraining(monitors);
  return h(
    'div',
    { class: 'mlops-monitoring' },
    h('div', { class: 'mlops-block-label' }, 'monitoring'),
    ...monitors.map(m => checkLine(m, now, monitors.length > 1)),
    last
      ? retrainLine(last, now)
      : h('div', { class: 'mlops-retrain mlops-muted mlops-small' }, 'no retraining yet')
  );
}

function checkLine(m: IMonitorStatus, now: number, named: boolean): HTMLElement {
  const [verdict, ...rest] = checkParts(m, now);
  return h(
    'div',
    { class: 'mlops-check', 'data-traffic': m.traffic, title: checkDetail(m) },
    h(
      'span',
      { class: 'mlops-fact mlops-muted' },
      named ? `check of ${m.traffic}:` : 'latest check:'
    ),
    toned(verdict, verdictTone(m.verdict), 'mlops-check-verdict'),
    ...rest.map(part => h('span', { class: 'mlops-fact' }, part))
  );
}

function retrainLine(t: ITriggerOutcome, now: number): HTMLElement {
  const [when, candidate, state] = retrainParts(t, now);
  const why = retrainWhy(t);
  return h(
    'div',
    { class: 'mlops-retrain', title: retrainDetail(t) },
    h('span', { class: 'mlops-fact mlops-muted' }, 'last retraining:'),
    h('span', { class: 'mlops-fact' }, when),
    h('span', { class: 'mlops-fact' }, candidate),
    toned(state, retrainTone(t.state), 'mlops-retrain-state'),
    why ? h('div', { class: 'mlops-why mlops-muted mlops-small' }, why) : null
  );
}

function retrainTone(state: string): Tone {
  if (state === 'promoted') {
    return 'good';
  }
  return state === 'failed' || state === 'cancelled'
    ? 'bad'
    : state === 'started'
      ? 'busy'
      : 'unknown';
}

function toned(text: string, tone: Tone, cls: string): HTMLElement {
  return h('span', { class: `mlops-verdict mlops-tone-${tone} ${cls}` }, text);
}
