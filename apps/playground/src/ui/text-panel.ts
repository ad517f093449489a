/** The small DOM helpers of the text tab's panels. */

/** An element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** A panel's training read-out (state, step, loss, validation loss), as a `TextJobView`. */
export function jobReadout(prefix: string): { root: HTMLElement; view: import('./text-job.js').TextJobView } {
  const state = el('dd', { id: `${prefix}-state`, 'data-state': 'idle' }, 'idle');
  const step = el('dd', { id: `${prefix}-step` }, '—');
  const loss = el('dd', { id: `${prefix}-loss` }, '—');
  const val = el('dd', { id: `${prefix}-val` }, '—');
  const root = el(
    'dl',
    { class: 'stats' },
    el('dt', {}, 'state'),
    state,
    el('dt', {}, 'step'),
    step,
    el('dt', {}, 'train loss (nats/token)'),
    loss,
    el('dt', {}, 'validation loss'),
    val,
  );
  return {
    root,
    view: {
      state(s, detail) {
        state.dataset.state = s;
        state.textContent = detail ? `${s}: ${detail}` : s;
        if (s === 'failed') console.warn(`[playground text] ${prefix}: ${detail ?? 'failed'}`);
      },
      progress(n, l) {
        step.dataset.step = String(n);
        step.textContent = String(n);
        loss.dataset.value = String(l);
        loss.textContent = l.toFixed(3);
      },
      validation(l) {
        val.dataset.value = String(l);
        val.textContent = l.toFixed(3);
      },
    },
  };
}
