/** Whether ops record the autograd graph (turned off by `noGrad`). */
let enabled = true;

/** True while ops record the autograd graph. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` with recording set to `on`, restoring the previous mode after. */
export function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` without recording gradients (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
