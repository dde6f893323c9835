// What a leak looks like: this plugin starts an interval and never disposes of it. At each reload
// reloadd clears it anyway (timers are tracked per generation, so it cannot outlive its
// generation) and says so: a `RELOADD_UNLOAD_LEAK` warning, "did not fully unload: 1 interval",
// in the log and in `reloadd status`; `npx reloadd verify examples/leaky-plugins` names it as a
// warning (nothing could run it once its state was taken), and fails on it with `--strict`. The
// fix is the one the counter example shows: push `{ dispose: () => clearInterval(timer) }` to
// ctx.subscriptions, or clear it in deactivate.
let beats = 0;

export function activate(ctx) {
  setInterval(() => {
    beats += 1;
  }, 5000);
  ctx.subscriptions.push(ctx.commands.register('leakyTimer.get', () => ({ beats })));
}
