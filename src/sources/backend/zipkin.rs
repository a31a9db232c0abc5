//! Zipkin's v2 API: services and span names are plain arrays; a search
//! returns whole traces (`[[span...]...]`); durations in µs, `endTs` and
//! `lookback` in ms; tags go in `annotationQuery` (`key=value and ...`).

use super::{enc, Query};

pub fn search_url(base: &str, q: &Query, tags: &[(String, String)]) -> String {
    let end_ms = q.end_ns / 1_000_000;
    let lookback_ms = ((q.end_ns - q.start_ns) / 1_000_000).max(1);
    let mut parts = Vec::new();
    if !q.service.trim().is_empty() {
        parts.push(format!("serviceName={}", enc(q.service.trim())));
    }
    if !q.operation.trim().is_empty() {
        parts.push(format!("spanName={}", enc(q.operation.trim())));
    }
    if !tags.is_empty() {
        let aq: Vec<String> = tags
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    k.clone()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        parts.push(format!("annotationQuery={}", enc(&aq.join(" and "))));
    }
    if let Some(d) = q.min_duration_ns {
        parts.push(format!("minDuration={}", d / 1000));
    }
    if let Some(d) = q.max_duration_ns {
        parts.push(format!("maxDuration={}", d / 1000));
    }
    parts.push(format!("endTs={end_ms}"));
    parts.push(format!("lookback={lookback_ms}"));
    if q.limit > 0 {
        parts.push(format!("limit={}", q.limit));
    }
    format!("{base}/api/v2/traces?{}", parts.join("&"))
}

/// `["a", "b"]` (services, span names).
pub fn names(body: &[u8]) -> Result<Vec<String>, String> {
    serde_json::from_slice::<Vec<String>>(body)
        .map_err(|e| format!("expected a JSON array of names: {e}"))
}
