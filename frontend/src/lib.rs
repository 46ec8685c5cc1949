//! The browser's entry point: hydrate the page the server rendered. Everything else lives
//! in `app`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Each route's code is its own wasm chunk: load the current page's before hydrating.
    leptos::mount::hydrate_lazy(app::App);
}
