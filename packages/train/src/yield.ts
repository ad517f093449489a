/**
 * One turn of the event loop (a macrotask, not a microtask): lets signal handlers,
 * worker messages and timers run. `setImmediate` in Node; a `MessageChannel` round trip
 * elsewhere (browsers and workers; `setTimeout` would be clamped to 4 ms).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}
