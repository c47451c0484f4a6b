/**
 * The one way this extension builds DOM: elements with text children only. There is no
 * innerHTML anywhere, so a run, model or column name such as `<img src=x onerror=alert(1)>`
 * is shown as the text it is.
 */

export type Child = Node | string | number | null | undefined | false;

export interface IAttrs {
  class?: string;
  title?: string;
  href?: string;
  onclick?: (ev: MouseEvent) => void;
  [key: string]: unknown;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: IAttrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) {
        continue;
      }
      if (key === 'class') {
        el.className = String(value);
      } else if (key === 'onclick') {
        el.addEventListener('click', value as EventListener);
      } else if (key === 'href') {
        el.setAttribute('href', String(value));
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer');
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) {
    el.removeChild(el.firstChild);
  }
}

/** A `code` element: what to type, shown as text. */
export function code(text: string): HTMLElement {
  return h('code', { class: 'mlops-code' }, text);
}

/** A one-line text that an ellipsis may cut at narrow widths: its full text is its tooltip. */
export function oneLine(text: string, cls = ''): HTMLElement {
  return h('span', { class: `mlops-oneline ${cls}`.trim(), title: text }, text);
}

/** Name/value pairs as a `<dl>`: names on one line (tooltip when cut), values wrap between words. */
export function keyValues(rows: readonly (readonly [string, Child])[], cls: string): HTMLElement {
  const dl = h('dl', { class: `mlops-kv ${cls}` });
  for (const [key, value] of rows) {
    dl.appendChild(h('dt', { class: 'mlops-kv-key', title: key }, key));
    dl.appendChild(h('dd', { class: 'mlops-kv-value' }, value));
  }
  return dl;
}
