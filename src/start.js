// Starts the app. Trunk would inline this as a <script> in index.html; the
// page's Content-Security-Policy allows scripts from its own origin only, so
// Trunk.toml's pattern_script loads this file instead, naming the hashed
// wasm-bindgen module and wasm file in data attributes.
//
// It also owns the crash screen: after a panic (the app's panic hook sends
// `strata-panic`) or any uncaught error of the wasm module, the app cannot
// go on; this covers it with what happened and a Reload button, drawn
// without the app's help.
const me = document.querySelector('script[data-strata-wasm]');

function crashed(message) {
  if (document.getElementById('strata-crash')) return;
  const box = document.createElement('div');
  box.id = 'strata-crash';
  box.setAttribute('role', 'alertdialog');
  box.setAttribute('aria-label', 'Strata stopped');
  const card = document.createElement('div');
  const title = document.createElement('h2');
  title.textContent = 'Strata stopped because of a bug';
  const what = document.createElement('pre');
  what.textContent = String(message).slice(0, 2000);
  const advice = document.createElement('p');
  advice.textContent =
    'The page cannot go on. Reload to start again: the address keeps the link, so a trace from a URL or a ' +
    'backend comes back; dropped files must be dropped again. The message above is also in the browser console; ' +
    'please report it.';
  const reload = document.createElement('button');
  reload.textContent = 'Reload';
  reload.className = 'btn primary';
  reload.addEventListener('click', () => location.reload());
  card.append(title, what, advice, reload);
  box.append(card);
  document.body.append(box);
  reload.focus();
}

addEventListener('strata-panic', (e) => crashed(e.detail));
// A trap without a panic message (out of memory, a wasm `unreachable`).
addEventListener('error', (e) => {
  if (e.error instanceof WebAssembly.RuntimeError) crashed(e.error.message);
});
addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof WebAssembly.RuntimeError) crashed(e.reason.message);
});

try {
  const { default: init } = await import(me.dataset.strataJs);
  await init({ module_or_path: me.dataset.strataWasm });
} catch (e) {
  if (!document.getElementById('strata-crash')) crashed(`Strata could not start: ${e && e.message ? e.message : e}`);
}
