//! Sharing and exporting the open trace: copy the link (it names the source,
//! trace, view and selection), copy a self-contained link (the trace itself,
//! compressed into the URL, within a 64 KB budget), export OTLP/JSON, OTLP
//! protobuf or Jaeger JSON, and the current view as PNG.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::hash;
use super::platform;
use super::state::{AppState, Origin};
use crate::export;
use crate::layout::colors::service_rgb;
use crate::layout::waterfall as wl;
use crate::model::time::format_duration;
use crate::render::{canvas, text};
use crate::sources::link::{self, Source, View};
use crate::sources::share;

fn file_stem(app: AppState, t: u32) -> String {
    app.store
        .with_value(|s| format!("trace-{}", s.traces[t as usize].id.to_text(&s.strings)))
}

/// The waterfall as a picture: the rows in view order (at most 400), names on
/// the left, bars on a time axis. The on-screen waterfall is DOM, so it is
/// drawn again here on a canvas.
fn waterfall_png(app: AppState, t: u32) -> Option<String> {
    const ROW: f64 = 22.0;
    const W: f64 = 1600.0;
    const NAME_W: f64 = 520.0;
    let dark = app.theme.get_untracked() == super::state::Theme::Dark;
    let rows = app
        .collapsed
        .with_untracked(|c| app.store.with_value(|s| wl::rows(s, t, c)));
    let rows = &rows[..rows.len().min(400)];
    let h = 40.0 + rows.len() as f64 * ROW;
    let el: web_sys::HtmlCanvasElement =
        document().create_element("canvas").ok()?.dyn_into().ok()?;
    let ctx = canvas::context(&el, W, h, 1.0)?;
    let palette = canvas::Palette::of(dark);
    ctx.set_fill_style_str(palette.bg);
    ctx.fill_rect(0.0, 0.0, W, h);
    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_text_baseline("middle");
    let (fg, muted) = (palette.text, palette.muted);
    app.store.with_value(|s| {
        let start = s.traces[t as usize].summary.start;
        let w = app
            .window
            .get_untracked()
            .unwrap_or_else(|| wl::Window::whole(s, t));
        let tl = W - NAME_W - 20.0;
        ctx.set_fill_style_str(muted);
        for (f, label) in wl::ticks(&w, 8.0) {
            let x = NAME_W + f * tl;
            ctx.fill_rect(x, 24.0, 1.0, h - 24.0);
            let _ = ctx.fill_text(&label, x + 3.0, 12.0);
        }
        for (k, &i) in rows.iter().enumerate() {
            let y = 32.0 + k as f64 * ROW;
            let iu = i as usize;
            let svc = s.str(s.spans.service[iu]);
            let rgb = service_rgb(svc);
            let depth = s.spans.depth[iu].min(30) as f64;
            ctx.set_fill_style_str(&canvas::css(rgb));
            ctx.fill_rect(8.0 + depth * 10.0, y + ROW / 2.0 - 4.0, 8.0, 8.0);
            ctx.set_fill_style_str(if s.is_error(i) {
                palette.error_mark
            } else {
                fg
            });
            let label = format!("{svc}  {}", s.str(s.spans.name[iu]));
            if let Some(l) = text::fit(&label, NAME_W - 28.0 - depth * 10.0, 6.8) {
                let _ = ctx.fill_text(&l, 22.0 + depth * 10.0, y + ROW / 2.0);
            }
            let b = wl::bar(s, i, start, &w);
            ctx.set_fill_style_str(&canvas::css(rgb));
            ctx.fill_rect(
                NAME_W + b.left * tl,
                y + 5.0,
                (b.width * tl).max(1.0),
                ROW - 10.0,
            );
            ctx.set_fill_style_str(muted);
            let _ = ctx.fill_text(
                &format_duration(s.spans.duration[iu]),
                NAME_W + (b.left + b.width) * tl + 4.0,
                y + ROW / 2.0,
            );
        }
    });
    el.to_data_url_with_type("image/png").ok()
}

/// The PNG of the view on screen.
fn view_png(app: AppState, t: u32) -> Option<String> {
    let canvas_of = |sel: &str| -> Option<String> {
        let el: web_sys::HtmlCanvasElement =
            document().query_selector(sel).ok()??.dyn_into().ok()?;
        el.to_data_url_with_type("image/png").ok()
    };
    match app.view.get_untracked() {
        View::Flame => canvas_of(".flame-canvas canvas"),
        View::Map => canvas_of(".map-canvas canvas"),
        _ => waterfall_png(app, t),
    }
}

/// What a trace downloads as.
#[derive(Clone, Copy)]
enum Format {
    Otlp,
    Proto,
    Jaeger,
}

#[component]
pub fn ShareMenu() -> impl IntoView {
    let app = expect_context::<AppState>();
    let too_big = RwSignal::new(None::<usize>);
    let copy_link = move |_| {
        let url = format!(
            "{}#{}",
            platform::page_url(),
            link::format(&hash::on_screen(app))
        );
        platform::copy_text(&url);
        let local = app
            .trace
            .get_untracked()
            .is_some_and(|t| app.origin_of(t) == Origin::Local);
        app.say(if local {
            "Link copied. This trace came from a local file: the link works where the file is loaded — use the self-contained link to send the trace itself."
        } else {
            "Link copied: it reopens this trace, view and selection."
        });
    };
    let copy_embedded = move |_| {
        let Some(t) = app.trace.get_untracked() else {
            return;
        };
        let bytes = app.store.with_value(|s| export::otlp_json(s, t));
        match share::embed(&bytes) {
            Ok(data) => {
                let mut st = hash::on_screen(app);
                st.source = Some(Source::Data(data));
                let url = format!("{}#{}", platform::page_url(), link::format(&st));
                platform::copy_text(&url);
                too_big.set(None);
                app.say(format!(
                    "Self-contained link copied ({} KB): it opens this trace with no server or file.",
                    url.len().div_ceil(1024)
                ));
            }
            Err(size) => too_big.set(Some(size)),
        }
    };
    let save = move |format: Format| {
        if let Some(t) = app.trace.get_untracked() {
            let bytes = app.store.with_value(|s| match format {
                Format::Jaeger => export::jaeger_json(s, t),
                Format::Otlp => export::otlp_json(s, t),
                Format::Proto => export::otlp_proto(s, t),
            });
            let (ext, mime) = match format {
                Format::Jaeger => ("jaeger.json", "application/json"),
                Format::Otlp => ("otlp.json", "application/json"),
                // The OTLP/HTTP body type; `.binpb` as the collector's docs name it.
                Format::Proto => ("otlp.binpb", "application/x-protobuf"),
            };
            let name = format!("{}.{ext}", file_stem(app, t));
            platform::download(&name, &bytes, mime);
        }
    };
    let png = move |_| {
        if let Some(t) = app.trace.get_untracked() {
            if let Some(url) = view_png(app, t) {
                platform::download_url(
                    &format!(
                        "{}-{}.png",
                        file_stem(app, t),
                        app.view.get_untracked().key()
                    ),
                    &url,
                );
            }
        }
    };
    view! {
        <div class="share">
            <button class="btn small" title="Copy a link to this trace, view and selection" on:click=copy_link>"Copy link"</button>
            <button class="btn small" title="Copy a link that carries the trace itself (up to 64 KB compressed)" on:click=copy_embedded>"Copy self-contained link"</button>
            <span class="sep"></span>
            <button class="btn small" title="Download as OTLP/JSON" on:click=move |_| save(Format::Otlp)>"OTLP/JSON"</button>
            <button class="btn small" title="Download as OTLP protobuf (a TracesData / ExportTraceServiceRequest body)" on:click=move |_| save(Format::Proto)>"OTLP protobuf"</button>
            <button class="btn small" title="Download as Jaeger JSON" on:click=move |_| save(Format::Jaeger)>"Jaeger JSON"</button>
            <button class="btn small" title="Download the current view as a PNG picture" on:click=png>"PNG"</button>
            {move || too_big.get().map(|size| view! {
                <div class="too-big" role="alert">
                    {format!(
                        "This trace is {} KB compressed; a link can carry {} KB. Send the file instead: ",
                        size.div_ceil(1024),
                        share::BUDGET / 1024
                    )}
                    <button class="link" on:click=move |_| { save(Format::Otlp); too_big.set(None); }>"download OTLP/JSON"</button>
                    <button class="icon" title="Dismiss" on:click=move |_| too_big.set(None)>"×"</button>
                </div>
            })}
        </div>
    }
}
