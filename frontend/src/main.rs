//! Entry point Trunk builds into WASM.

fn main() {
    bms_web::start();
}
