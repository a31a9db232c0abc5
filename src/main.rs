//! The browser entry point: mount the app.

fn main() {
    console_error_panic_hook::set_once();
    strata::views::probe::expose_memory();
    leptos::mount::mount_to_body(strata::views::App);
}
