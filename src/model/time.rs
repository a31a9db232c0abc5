//! Times as people read them: durations in µs / ms / s as Jaeger prints them,
//! timestamps as calendar time.

/// `1.23ms`, `456µs`, `2.5s`, `1m 30s`: the largest unit that keeps the number
/// at or above 1, two decimals at most, trailing zeros dropped.
pub fn format_duration(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    let body = if a < 1_000 {
        format!("{a}ns")
    } else if a < 1_000_000 {
        format!("{}µs", round2(a as f64 / 1e3))
    } else if a < 1_000_000_000 {
        format!("{}ms", round2(a as f64 / 1e6))
    } else if a < 60_000_000_000 {
        format!("{}s", round2(a as f64 / 1e9))
    } else if a < 3_600_000_000_000 {
        let m = a / 60_000_000_000;
        let s = (a % 60_000_000_000) as f64 / 1e9;
        format!("{m}m {}s", s.round() as u64)
    } else {
        let h = a / 3_600_000_000_000;
        let m = (a % 3_600_000_000_000) / 60_000_000_000;
        format!("{h}h {m}m")
    };
    format!("{sign}{body}")
}

fn round2(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// A time-axis tick label relative to the trace start. The axis extent
/// (`axis_ns`, its largest value) decides the unit, so all ticks share it.
pub fn format_tick(ns: i64, axis_ns: i64) -> String {
    if ns == 0 {
        return "0".into();
    }
    let (div, unit) = if axis_ns < 1_000 {
        (1.0, "ns")
    } else if axis_ns < 1_000_000 {
        (1e3, "µs")
    } else if axis_ns < 1_000_000_000 {
        (1e6, "ms")
    } else {
        (1e9, "s")
    };
    format!("{}{unit}", round2(ns as f64 / div))
}

/// "Nice" tick spacing (1, 2, 5 × 10^k ns) giving about `target` ticks over `span_ns`.
pub fn tick_step(span_ns: f64, target: f64) -> i64 {
    if span_ns <= 0.0 || target <= 0.0 {
        return 1;
    }
    let raw = span_ns / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    ((nice * mag).round() as i64).max(1)
}

/// `2024-01-15 14:30:00.123` for a Unix-nanosecond time, shifted by
/// `offset_minutes` (the viewer's time zone, from the browser). Times that are
/// not real epochs (tests write `startTime: 100`) still print, in 1970.
pub fn format_timestamp(ns: i64, offset_minutes: i32) -> String {
    let shifted = ns as i128 + offset_minutes as i128 * 60_000_000_000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(shifted) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => format!("{ns} ns"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_jaeger() {
        assert_eq!(format_duration(0), "0ns");
        assert_eq!(format_duration(999), "999ns");
        assert_eq!(format_duration(1_000), "1µs");
        assert_eq!(format_duration(123_456), "123.46µs");
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_duration(2_000_000_000), "2s");
        assert_eq!(format_duration(30_004_000_000), "30s");
        assert_eq!(format_duration(90_000_000_000), "1m 30s");
        assert_eq!(format_duration(3_720_000_000_000), "1h 2m");
        assert_eq!(format_duration(-1_500_000), "-1.5ms");
    }

    #[test]
    fn ticks() {
        assert_eq!(tick_step(1_000_000.0, 5.0), 200_000);
        assert_eq!(tick_step(30e9, 6.0), 5_000_000_000);
        assert_eq!(format_tick(400_000, 900_000), "400µs");
        assert_eq!(format_tick(1_500_000_000, 2_000_000_000), "1.5s");
        assert_eq!(format_tick(500_000_000, 2_000_000_000), "0.5s");
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            format_timestamp(1_705_327_800_123_000_000, 0),
            "2024-01-15 14:10:00.123"
        );
        assert_eq!(
            format_timestamp(1_705_327_800_123_000_000, 60),
            "2024-01-15 15:10:00.123"
        );
        assert_eq!(format_timestamp(100_000, 0), "1970-01-01 00:00:00.000");
    }
}
