// Loads the WASM app. Kept outside index.html so the page needs no inline script (CSP
// `script-src 'self' 'wasm-unsafe-eval'`); Trunk writes the hashed names into data-*.
const boot = document.getElementById("bms-boot");
const bindings = await import(boot.dataset.js);
await bindings.default({ module_or_path: boot.dataset.wasm });
