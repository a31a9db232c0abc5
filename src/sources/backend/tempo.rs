//! Grafana Tempo: `/api/search` lists trace summaries (TraceQL `q=` or
//! logfmt `tags=`); each trace is then fetched by id from `/api/v2/traces`
//! (`{"trace": ...}`, possibly PARTIAL) or `/api/traces` (`{"batches": ...}`).

use serde::Deserialize;

use super::{enc, go_duration, Query, Summary};

/// The form's fields as TraceQL (or the user's TraceQL when they typed one).
pub fn traceql(q: &Query) -> String {
    let t = q.tags.trim();
    if t.starts_with('{') {
        return t.to_owned();
    }
    let mut conds = Vec::new();
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    if !q.service.trim().is_empty() {
        conds.push(format!(
            "resource.service.name = {}",
            quote(q.service.trim())
        ));
    }
    if !q.operation.trim().is_empty() {
        conds.push(format!("name = {}", quote(q.operation.trim())));
    }
    if let Ok(tags) = super::parse_tags(t) {
        for (k, v) in tags {
            let value = if v.parse::<f64>().is_ok() || v == "true" || v == "false" {
                v
            } else {
                quote(&v)
            };
            let key = if k.starts_with("span.") || k.starts_with("resource.") || k.starts_with('.')
            {
                k
            } else {
                format!(".{k}")
            };
            conds.push(format!("{key} = {value}"));
        }
    }
    if conds.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", conds.join(" && "))
    }
}

pub fn search_url(base: &str, q: &Query) -> String {
    let mut parts = vec![
        format!("q={}", enc(&traceql(q))),
        format!("start={}", q.start_ns.div_euclid(1_000_000_000)),
        format!("end={}", (q.end_ns + 999_999_999).div_euclid(1_000_000_000)),
    ];
    if let Some(d) = q.min_duration_ns {
        parts.push(format!("minDuration={}", go_duration(d)));
    }
    if let Some(d) = q.max_duration_ns {
        parts.push(format!("maxDuration={}", go_duration(d)));
    }
    if q.limit > 0 {
        parts.push(format!("limit={}", q.limit));
    }
    format!("{base}/api/search?{}", parts.join("&"))
}

/// `{"tagValues": ["a", ...]}` or, in v2, `[{"type", "value"}, ...]`.
pub fn tag_values(body: &[u8]) -> Result<Vec<String>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let a = v
        .get("tagValues")
        .and_then(|a| a.as_array())
        .ok_or("expected {\"tagValues\": [...]}")?;
    Ok(a.iter()
        .filter_map(|x| {
            x.as_str()
                .map(str::to_owned)
                .or_else(|| x.get("value")?.as_str().map(str::to_owned))
        })
        .collect())
}

pub fn summaries(body: &[u8]) -> Result<Vec<Summary>, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SpanSet {
        #[serde(default)]
        matched: Option<u32>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct T {
        #[serde(rename = "traceID")]
        trace_id: String,
        #[serde(default)]
        root_service_name: Option<String>,
        #[serde(default)]
        root_trace_name: Option<String>,
        #[serde(default)]
        start_time_unix_nano: Option<serde_json::Value>,
        #[serde(default)]
        duration_ms: Option<f64>,
        #[serde(default)]
        span_sets: Vec<SpanSet>,
        #[serde(default)]
        span_set: Option<SpanSet>,
    }
    #[derive(Deserialize)]
    struct Resp {
        #[serde(default)]
        traces: Vec<T>,
    }
    let r: Resp = serde_json::from_slice(body)
        .map_err(|e| format!("expected a Tempo search response {{\"traces\": [...]}}: {e}"))?;
    Ok(r.traces
        .into_iter()
        .map(|t| {
            let start = match &t.start_time_unix_nano {
                Some(serde_json::Value::String(s)) => s.parse().unwrap_or(0),
                Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(0),
                _ => 0,
            };
            let matched = if t.span_sets.is_empty() {
                t.span_set.and_then(|s| s.matched).unwrap_or(0)
            } else {
                t.span_sets.iter().filter_map(|s| s.matched).sum()
            };
            Summary {
                // Tempo drops a leading zero of some ids: pad back to 32.
                trace_id: format!("{:0>32}", t.trace_id.to_lowercase()),
                root_service: t
                    .root_service_name
                    .unwrap_or_else(|| "<root span not yet received>".into()),
                root_name: t.root_trace_name.unwrap_or_default(),
                start_ns: start,
                duration_ns: (t.duration_ms.unwrap_or(0.0) * 1e6) as i64,
                matched,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceql_from_the_form() {
        let q = Query {
            service: "front\"end".into(),
            operation: "GET /".into(),
            tags: "http.status_code=500 env=prod span.x=1".into(),
            ..Query::default()
        };
        assert_eq!(
            traceql(&q),
            r#"{ resource.service.name = "front\"end" && name = "GET /" && .http.status_code = 500 && .env = "prod" && span.x = 1 }"#
        );
        assert_eq!(traceql(&Query::default()), "{}");
        let raw = Query {
            tags: "{ status = error }".into(),
            ..Query::default()
        };
        assert_eq!(traceql(&raw), "{ status = error }");
    }

    #[test]
    fn real_search_response() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/traces/tempo/kiali__tracingtest-responseAmbient.json");
        let s = summaries(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].trace_id.len(), 32, "31-digit id padded");
        assert!(s[0].duration_ns > 0 && s[0].start_ns > 0);
        assert_eq!(
            tag_values(br#"{"tagValues":["a",{"type":"string","value":"b"}]}"#).unwrap(),
            vec!["a", "b"]
        );
    }
}
