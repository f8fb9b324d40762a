//! Prometheus metrics of the issuer API (docs/design.md §9), in the text exposition format at
//! `GET /metrics`: credential exchanges by wallet and outcome, and latency histograms of the
//! exchange, of the card source and of the store. Labels take only known values (configured
//! wallet ids, the error codes), so no client input can grow them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The metrics of one server.
#[derive(Debug, Default)]
pub struct Metrics {
    exchanges: Mutex<BTreeMap<(String, &'static str), u64>>,
    exchange_seconds: Histogram,
    card_source_seconds: Histogram,
    store_seconds: Histogram,
}

impl Metrics {
    /// One credential exchange answered with `outcome` (`released`, `credential` or an error
    /// code) for `wallet` (a configured id, or `other`), after `took`.
    pub fn exchange(&self, wallet: &str, outcome: &'static str, took: Duration) {
        let mut counts = self
            .exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *counts.entry((wallet.to_owned(), outcome)).or_insert(0) += 1;
        drop(counts);
        self.exchange_seconds.observe(took);
    }

    /// One call of the card source.
    pub fn card_source(&self, took: Duration) {
        self.card_source_seconds.observe(took);
    }

    /// One durable write of the store.
    pub fn store(&self, took: Duration) {
        self.store_seconds.observe(took);
    }

    /// The text exposition format (Prometheus 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP walletpush_exchanges_total Credential exchanges by wallet and outcome.\n",
        );
        out.push_str("# TYPE walletpush_exchanges_total counter\n");
        let counts = self
            .exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for ((wallet, outcome), n) in counts.iter() {
            let _ = writeln!(
                out,
                "walletpush_exchanges_total{{wallet=\"{wallet}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        drop(counts);
        self.exchange_seconds.render(
            &mut out,
            "walletpush_exchange_seconds",
            "Time to answer a credential exchange.",
        );
        self.card_source_seconds.render(
            &mut out,
            "walletpush_card_source_seconds",
            "Time of one card source call.",
        );
        self.store_seconds.render(
            &mut out,
            "walletpush_store_seconds",
            "Time of one durable store write (group commit included).",
        );
        out
    }
}

/// A latency histogram with [`BUCKETS`].
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (bucket, bound) in self.buckets.iter().zip(BUCKETS) {
            let n = bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histograms_render_in_the_text_format() {
        let metrics = Metrics::default();
        metrics.exchange("sandbox", "released", Duration::from_millis(3));
        metrics.exchange("sandbox", "released", Duration::from_millis(30));
        metrics.exchange("other", "ISSUER_REJECTED", Duration::from_secs(9));
        metrics.card_source(Duration::from_micros(500));
        let text = metrics.render();
        assert!(text
            .contains("walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"released\"} 2\n"));
        assert!(text.contains(
            "walletpush_exchanges_total{wallet=\"other\",outcome=\"ISSUER_REJECTED\"} 1\n"
        ));
        assert!(text.contains("walletpush_exchange_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("walletpush_exchange_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("walletpush_exchange_seconds_bucket{le=\"5\"} 2\n"));
        assert!(text.contains("walletpush_exchange_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("walletpush_exchange_seconds_count 3\n"));
        assert!(text.contains("walletpush_exchange_seconds_sum 9.033\n"));
        assert!(text.contains("walletpush_card_source_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("walletpush_store_seconds_count 0\n"));
    }
}
