// Starts the parsing worker (src/bin/worker.rs). Trunk builds it as a classic
// worker (worker.js + worker_bg.wasm, names without hashes); the app passes
// its version as the query so a cached older worker is never used with it.
const v = self.location.search;
importScripts('./worker.js' + v);
wasm_bindgen({ module_or_path: './worker_bg.wasm' + v });
