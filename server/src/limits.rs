//! Rate limits of the issuer API (docs/design.md §9): token buckets in memory, one per client
//! address and one per card. A bucket holds up to `burst` tokens and gains `per_second` tokens
//! a second; each request takes one. An empty bucket answers how long until the next token, the
//! `Retry-After` of a `RATE_LIMITED` answer.
//!
//! The buckets are per instance: several instances behind a load balancer each count their own.
//! A full bucket is the same as none, so full buckets are dropped when the table grows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many buckets one limiter keeps before it drops the full ones.
const PRUNE_AT: usize = 100_000;

/// What floating-point rounding may take from a token (a rate per minute is not exact in
/// binary): a bucket this close to a token has it.
const ROUNDING: f64 = 1e-9;

/// A rate: `burst` requests at once, then `per_second` a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Tokens gained a second.
    pub per_second: f64,
    /// The most tokens a bucket holds.
    pub burst: u32,
}

impl Rate {
    /// `n` requests a second, `burst` at once.
    pub fn per_second(n: f64, burst: u32) -> Rate {
        Rate {
            per_second: n,
            burst,
        }
    }

    /// `n` requests a minute, `burst` at once.
    pub fn per_minute(n: f64, burst: u32) -> Rate {
        Rate::per_second(n / 60.0, burst)
    }
}

/// The issuer API's limits: per client address and per card, each optional.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimits {
    /// Requests of one client address (the connection's peer: a proxy's, behind one).
    pub client: Option<Rate>,
    /// Redemptions of one card (the handle's `card`), counted once the handle and its binding
    /// cookie have been checked.
    pub card: Option<Rate>,
}

impl RateLimits {
    /// No limits: what a program that embeds the server gets unless it sets some.
    pub const NONE: RateLimits = RateLimits {
        client: None,
        card: None,
    };
}

impl Default for RateLimits {
    /// The configuration file's defaults: 50 requests a second per client address (bursts of
    /// 200), 5 redemptions a minute per card (bursts of 10).
    fn default() -> RateLimits {
        RateLimits {
            client: Some(Rate::per_second(50.0, 200)),
            card: Some(Rate::per_minute(5.0, 10)),
        }
    }
}

/// One bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by key, for one [`Rate`].
#[derive(Debug)]
pub struct Limiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// A limiter of `rate`, with no buckets yet.
    pub fn new(rate: Rate) -> Limiter {
        Limiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` may have one more request at `now` (it then takes a token), or how long
    /// until it may (a whole number of seconds, at least 1).
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            // A panic while the table was held: no limits rather than no service.
            return Ok(());
        };
        let burst = f64::from(self.rate.burst);
        if buckets.len() >= PRUNE_AT && !buckets.contains_key(key) {
            let rate = self.rate;
            buckets.retain(|_, b| refilled(rate, *b, now) < burst);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let tokens = refilled(self.rate, *bucket, now);
        if tokens >= 1.0 - ROUNDING {
            *bucket = Bucket {
                tokens: (tokens - 1.0).max(0.0),
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            let wait = if self.rate.per_second > 0.0 {
                ((1.0 - tokens) / self.rate.per_second - ROUNDING * 1e3).ceil()
            } else {
                3600.0
            };
            Err(Duration::from_secs(wait.clamp(1.0, 86_400.0) as u64))
        }
    }
}

/// The tokens of `bucket` at `now`.
fn refilled(rate: Rate, bucket: Bucket, now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
    (bucket.tokens + elapsed * rate.per_second).min(f64::from(rate.burst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let limiter = Limiter::new(Rate::per_second(2.0, 3));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check("a", t0), Ok(()));
        }
        assert_eq!(limiter.check("a", t0), Err(Duration::from_secs(1)));
        // Another key has its own bucket.
        assert_eq!(limiter.check("b", t0), Ok(()));
        // Half a second gives one token back (2 a second), and no more.
        let later = t0 + Duration::from_millis(500);
        assert_eq!(limiter.check("a", later), Ok(()));
        assert!(limiter.check("a", later).is_err());
        // A long pause refills to the burst, not beyond.
        let much_later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.check("a", much_later), Ok(()));
        }
        assert!(limiter.check("a", much_later).is_err());
    }

    #[test]
    fn retry_after_is_the_wait_for_one_token() {
        let limiter = Limiter::new(Rate::per_minute(5.0, 1));
        let t0 = Instant::now();
        assert_eq!(limiter.check("card", t0), Ok(()));
        assert_eq!(limiter.check("card", t0), Err(Duration::from_secs(12)));
        let t1 = t0 + Duration::from_secs(6);
        assert_eq!(limiter.check("card", t1), Err(Duration::from_secs(6)));
        assert_eq!(limiter.check("card", t0 + Duration::from_secs(12)), Ok(()));
    }

    #[test]
    fn full_buckets_are_dropped_when_the_table_grows() {
        let limiter = Limiter::new(Rate::per_second(1000.0, 2));
        let t0 = Instant::now();
        for i in 0..PRUNE_AT {
            limiter.check(&i.to_string(), t0).unwrap();
        }
        limiter.check("empty", t0).unwrap();
        limiter.check("empty", t0).unwrap();
        let later = t0 + Duration::from_secs(1);
        limiter.check("new", later).unwrap();
        let buckets = limiter.buckets.lock().unwrap();
        assert!(buckets.len() <= 2, "{}", buckets.len());
    }
}
