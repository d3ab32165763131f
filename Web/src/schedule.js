// Coalesces renders onto requestAnimationFrame: many data events between two frames cause one render
// per registered function, always reading the latest state (latest wins).
const pending = new Set();
let scheduled = false;

function flush() {
  scheduled = false;
  const fns = [...pending];
  pending.clear();
  for (const fn of fns) {
    try {
      fn();
    } catch (err) {
      console.error('render failed', err);
    }
  }
}

export function invalidate(fn) {
  pending.add(fn);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(flush);
  }
}

// Data-driven renders of a large view are paced: frames from several hosts arrive spread over each second, and a
// render per arrival repeats the same sort and layout three to five times a second for one visible change. A paced
// function runs at most once per `gapMs` (on the next animation frame after the gap); a direct invalidate() of
// the same function (typing, sorting, scrolling) still runs on the next frame.
const lastRun = new Map();
const waiting = new Set();

export function invalidatePaced(fn, gapMs) {
  if (waiting.has(fn) || pending.has(fn)) return;
  const due = (lastRun.get(fn) ?? 0) + gapMs - performance.now();
  if (due <= 0) {
    invalidate(fn);
    return;
  }
  waiting.add(fn);
  setTimeout(() => {
    waiting.delete(fn);
    invalidate(fn);
  }, due);
}

/** Wraps a render so its runs are recorded for invalidatePaced. */
export function paced(fn) {
  const run = () => {
    lastRun.set(run, performance.now());
    fn();
  };
  return run;
}
