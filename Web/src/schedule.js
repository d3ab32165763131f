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
