//! The browser entry point: mount the app.

fn main() {
    std::panic::set_hook(Box::new(strata::views::platform::report_panic));
    strata::views::probe::expose_memory();
    leptos::mount::mount_to_body(strata::views::App);
}
