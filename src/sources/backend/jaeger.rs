//! Jaeger's query APIs. API v3 (Jaeger 2.x) answers in OTLP/JSON; searches
//! return one `result` holding every matching trace. The legacy JSON API
//! (`/api/...`, Jaeger 1.x and 2.x until 2.20) answers in Jaeger JSON.

use serde::Deserialize;

use super::{enc, go_duration, rfc3339, Query};

/// API v3 search. Canonical camelCase parameters, and the snake_case names
/// Jaeger 2.x read before they were renamed (both are accepted by current
/// servers; the canonical one wins).
pub fn v3_search_url(base: &str, q: &Query, tags: &[(String, String)]) -> String {
    let mut p: Vec<(&str, &str, String)> = vec![
        (
            "query.serviceName",
            "query.service_name",
            q.service.trim().to_owned(),
        ),
        (
            "query.startTimeMin",
            "query.start_time_min",
            rfc3339(q.start_ns),
        ),
        (
            "query.startTimeMax",
            "query.start_time_max",
            rfc3339(q.end_ns),
        ),
    ];
    if !q.operation.trim().is_empty() {
        p.push((
            "query.operationName",
            "query.operation_name",
            q.operation.trim().to_owned(),
        ));
    }
    if let Some(d) = q.min_duration_ns {
        p.push(("query.durationMin", "query.duration_min", go_duration(d)));
    }
    if let Some(d) = q.max_duration_ns {
        p.push(("query.durationMax", "query.duration_max", go_duration(d)));
    }
    if q.limit > 0 {
        p.push((
            "query.searchDepth",
            "query.search_depth",
            q.limit.to_string(),
        ));
    }
    let mut parts: Vec<String> = p
        .iter()
        .map(|(k, _, v)| format!("{k}={}", enc(v)))
        .collect();
    if !tags.is_empty() {
        parts.push(format!("query.attributes={}", enc(&tags_json(tags))));
    }
    parts.extend(p.iter().map(|(_, old, v)| format!("{old}={}", enc(v))));
    format!("{base}/api/v3/traces?{}", parts.join("&"))
}

/// `{"key":"value",...}`, the tags form both Jaeger APIs take.
fn tags_json(tags: &[(String, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = tags
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// Legacy search: times in µs, durations in Go syntax, tags as a JSON map.
pub fn legacy_search_url(base: &str, q: &Query, tags: &[(String, String)]) -> String {
    let mut parts = vec![
        format!("service={}", enc(q.service.trim())),
        format!("start={}", q.start_ns / 1000),
        format!("end={}", q.end_ns / 1000),
    ];
    if !q.operation.trim().is_empty() {
        parts.push(format!("operation={}", enc(q.operation.trim())));
    }
    if let Some(d) = q.min_duration_ns {
        parts.push(format!("minDuration={}", go_duration(d)));
    }
    if let Some(d) = q.max_duration_ns {
        parts.push(format!("maxDuration={}", go_duration(d)));
    }
    if q.limit > 0 {
        parts.push(format!("limit={}", q.limit));
    }
    if !tags.is_empty() {
        parts.push(format!("tags={}", enc(&tags_json(tags))));
    }
    format!("{base}/api/traces?{}", parts.join("&"))
}

pub fn v3_names(body: &[u8], field: &str) -> Result<Vec<String>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    v.get(field)
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| format!("expected {{\"{field}\": [...]}}"))
}

pub fn v3_operations(body: &[u8]) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    struct Op {
        name: String,
    }
    #[derive(Deserialize)]
    struct Ops {
        #[serde(default)]
        operations: Vec<Op>,
    }
    let ops: Ops = serde_json::from_slice(body)
        .map_err(|e| format!("expected {{\"operations\": [...]}}: {e}"))?;
    Ok(ops.operations.into_iter().map(|o| o.name).collect())
}

/// `{"data": ["a", "b"], ...}` (services, operations).
pub fn legacy_names(body: &[u8]) -> Result<Vec<String>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    match v.get("data") {
        Some(serde_json::Value::Array(a)) => Ok(a
            .iter()
            .filter_map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .or_else(|| x.get("name")?.as_str().map(str::to_owned))
            })
            .collect()),
        Some(serde_json::Value::Null) => Ok(Vec::new()),
        _ => Err("expected {\"data\": [...]}".into()),
    }
}

/// A legacy search envelope with no traces.
pub fn legacy_is_empty(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Env {
        data: Option<Vec<serde::de::IgnoredAny>>,
    }
    serde_json::from_slice::<Env>(body).is_ok_and(|e| e.data.is_none_or(|d| d.is_empty()))
}

/// The message of a Jaeger error reply: v3 `{"error":{"message"}}`, legacy
/// `{"errors":[{"msg"}]}`.
pub fn error_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if let Some(m) = v.pointer("/error/message").and_then(|m| m.as_str()) {
        return Some(m.to_owned());
    }
    let errs = v.get("errors")?.as_array()?;
    let msgs: Vec<&str> = errs.iter().filter_map(|e| e.get("msg")?.as_str()).collect();
    (!msgs.is_empty()).then(|| msgs.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(
            v3_names(br#"{"services":["b","a"]}"#, "services").unwrap(),
            vec!["b", "a"]
        );
        assert_eq!(
            v3_operations(br#"{"operations":[{"name":"GET","spanKind":"server"}]}"#).unwrap(),
            vec!["GET"]
        );
        assert_eq!(
            legacy_names(br#"{"data":["x"],"total":1}"#).unwrap(),
            vec!["x"]
        );
        assert_eq!(
            legacy_names(br#"{"data":null}"#).unwrap(),
            Vec::<String>::new()
        );
        assert!(legacy_is_empty(br#"{"data":[],"total":0}"#));
        assert!(legacy_is_empty(br#"{"data":null}"#));
        assert!(!legacy_is_empty(br#"{"data":[{"traceID":"1"}]}"#));
        assert_eq!(
            error_message(br#"{"error":{"httpCode":404,"message":"No traces found"}}"#).as_deref(),
            Some("No traces found")
        );
        assert_eq!(error_message(b"nope"), None);
    }
}
