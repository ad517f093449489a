/**
 * The playground's second tab, "Text": a name generator and a G2P model with its attention,
 * each training live in its own worker. Loaded by index.html as its own module; the only
 * shell it touches is the tab switch (`#tab-digits` / `#tab-text`), which shows either the
 * digits page (its `<main>` and test-digit grid) or `#text-tab`. `?tab=text` opens it; `?backend=` is honoured.
 */
import { g2pPanel } from './text-g2p.js';
import { namesPanel } from './text-names.js';

const params = new URLSearchParams(location.search);
/** The text models train on the CPU by default (their small sequential steps suit it); `?backend=webgpu` asks for WebGPU first. */
const backends = params.get('backend') === 'webgpu' ? ['webgpu', 'cpu'] : ['cpu'];

let built = false;

function build(root: HTMLElement): void {
  if (built) return;
  built = true;
  const names = document.createElement('section');
  names.className = 'panel text-panel';
  names.setAttribute('aria-label', 'Name generator');
  const g2p = document.createElement('section');
  g2p.className = 'panel text-panel';
  g2p.setAttribute('aria-label', 'Pronunciation and attention');
  root.append(names, g2p);
  namesPanel(names, backends);
  g2pPanel(g2p, backends);
}

function select(tab: 'digits' | 'text'): void {
  // The digits page: its <main> and the test-digit grid below it.
  const digits = [...document.querySelectorAll<HTMLElement>('main, section[aria-label="Test digits"]')];
  const text = document.getElementById('text-tab');
  if (!text) return;
  if (tab === 'text') build(text);
  for (const d of digits) d.hidden = tab !== 'digits';
  text.hidden = tab !== 'text';
  for (const t of ['digits', 'text'] as const) document.getElementById(`tab-${t}`)?.setAttribute('aria-selected', String(t === tab));
}

document.getElementById('tab-digits')?.addEventListener('click', () => select('digits'));
document.getElementById('tab-text')?.addEventListener('click', () => select('text'));
if (params.get('tab') === 'text') select('text');
