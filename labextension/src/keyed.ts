/**
 * Keyed updates: a poll that brings the same rows back leaves their DOM nodes alone (hover, focus,
 * open `<details>`, text selection and scroll position survive); only rows whose rendered content
 * changed are rebuilt, and rows are moved, added or removed by key.
 *
 * Each row has a key (a run id, a model name) and a signature: the JSON of exactly what the row
 * shows. Written by hand because the panel builds plain DOM (no React / virtual DOM in this
 * extension) and this is the one piece of a virtual DOM it needs.
 */

/** What to do with one row of the next rendering. */
export type RowAction = 'keep' | 'create' | 'replace';

export interface IRowPlan {
  key: string;
  action: RowAction;
}

/** Which rows to keep, create or replace (in the new order), and which keys disappear. */
export function planRows(
  previous: ReadonlyMap<string, string>,
  next: readonly { key: string; sig: string }[]
): { rows: IRowPlan[]; removed: string[] } {
  const seen = new Set<string>();
  const rows: IRowPlan[] = [];
  for (const { key, sig } of next) {
    if (seen.has(key)) {
      continue; // a key shows once (the first occurrence wins)
    }
    seen.add(key);
    const old = previous.get(key);
    rows.push({ key, action: old === undefined ? 'create' : old === sig ? 'keep' : 'replace' });
  }
  const removed = [...previous.keys()].filter(key => !seen.has(key));
  return { rows, removed };
}

/** Counts of the last update (the browser test reads them from the `data-*` attributes). */
export interface IUpdateCounts {
  kept: number;
  created: number;
  replaced: number;
  removed: number;
}

/** A container whose children are rows keyed by `key(item)`, rebuilt only when `sig(item)` changes. */
export class KeyedList<T> {
  readonly node: HTMLElement;
  private _rows = new Map<string, { node: HTMLElement; sig: string }>();

  constructor(
    node: HTMLElement,
    private readonly _key: (item: T) => string,
    private readonly _sig: (item: T) => string,
    private readonly _render: (item: T) => HTMLElement
  ) {
    this.node = node;
  }

  get size(): number {
    return this._rows.size;
  }

  /** The row node of `key`, if shown. */
  rowNode(key: string): HTMLElement | null {
    return this._rows.get(key)?.node ?? null;
  }

  update(items: readonly T[]): IUpdateCounts {
    const byKey = new Map<string, T>();
    const next: { key: string; sig: string }[] = [];
    for (const item of items) {
      const key = this._key(item);
      if (!byKey.has(key)) {
        byKey.set(key, item);
        next.push({ key, sig: this._sig(item) });
      }
    }
    const previous = new Map([...this._rows].map(([key, row]) => [key, row.sig]));
    const plan = planRows(previous, next);
    const counts: IUpdateCounts = {
      kept: 0,
      created: 0,
      replaced: 0,
      removed: plan.removed.length
    };
    for (const key of plan.removed) {
      this._rows.get(key)?.node.remove();
      this._rows.delete(key);
    }
    const sigs = new Map(next.map(n => [n.key, n.sig]));
    let cursor: ChildNode | null = this.node.firstChild;
    for (const { key, action } of plan.rows) {
      const old = this._rows.get(key);
      let node: HTMLElement;
      if (action === 'keep' && old) {
        node = old.node;
        counts.kept++;
      } else {
        node = this._render(byKey.get(key) as T);
        if (old) {
          const focused = old.node.contains(document.activeElement);
          keepOpenState(old.node, node);
          old.node.replaceWith(node);
          if (focused && node.tabIndex >= 0) {
            node.focus({ preventScroll: true }); // keyboard users keep their place
          }
          if (cursor === old.node) {
            cursor = node;
          }
          counts.replaced++;
        } else {
          counts.created++;
        }
        this._rows.set(key, { node, sig: sigs.get(key) as string });
      }
      if (cursor !== node) {
        this.node.insertBefore(node, cursor);
      } else {
        cursor = cursor.nextSibling;
      }
    }
    return counts;
  }

  clear(): void {
    for (const row of this._rows.values()) {
      row.node.remove();
    }
    this._rows.clear();
  }
}

/** One place in the DOM whose content is rebuilt only when its signature changes. */
export class Slot {
  readonly node: HTMLElement;
  private _sig: string | null = null;

  constructor(node: HTMLElement) {
    this.node = node;
  }

  /** Show `render()` unless `sig` is what is already shown; whether the content was rebuilt. */
  set(sig: string, render: () => Node | null): boolean {
    if (sig === this._sig) {
      return false;
    }
    this._sig = sig;
    const content = render();
    this.node.replaceChildren(...(content ? [content] : []));
    return true;
  }

  clear(): void {
    this._sig = null;
    this.node.replaceChildren();
  }
}

/** A rebuilt `<details>` row stays open if the user had opened it. */
function keepOpenState(old: HTMLElement, next: HTMLElement): void {
  if (old.tagName === 'DETAILS' && next.tagName === 'DETAILS' && (old as HTMLDetailsElement).open) {
    (next as HTMLDetailsElement).open = true;
  }
}
