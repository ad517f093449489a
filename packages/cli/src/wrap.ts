/** Narrowest width `wrap` wraps to, so a tiny or misreported terminal still reads. */
const MIN_WIDTH = 40;

/**
 * Word-wraps `text` to `width` columns (a terminal's `columns`; 80 when unknown), with
 * continuation lines indented by `indent` spaces. A word longer than a line (a path, a
 * URL) gets a line of its own rather than being cut.
 *
 * @example
 * wrap('Note: full MNIST is not available (…); using the bundled sample …', 60);
 */
export function wrap(text: string, width = 80, indent = 2): string {
  const w = Math.max(width, MIN_WIDTH);
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((s) => s !== '')) {
    const prefix = lines.length === 0 ? '' : pad;
    if (line !== '' && prefix.length + line.length + 1 + word.length > w) {
      lines.push(prefix + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push((lines.length === 0 ? '' : pad) + line);
  return lines.join('\n');
}
