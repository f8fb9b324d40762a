//! The CPU floor of one credential exchange of the issuer API: the ES256 verification of the
//! card handle plus the ES256 signature of the activation token, timed natively on one core with
//! the same core functions the sandbox calls. `npm run bench` prints it beside the sandbox's
//! measured CPU time per exchange, so the gap is what HTTP, JSON, SQLite and logging cost.
//!
//! `cargo run --release -p walletpush-sandbox --example signature_floor [-- ITERATIONS]`
//! prints one JSON line. Per operation: `*_us` is the CPU time of this thread (utime + stime
//! from `/proc/thread-self/stat`, so other work on the machine does not inflate it; 10 ms ticks,
//! hence the default of 2000 iterations), `*_wall_us` the median wall time of batches of 100.

// The JSON line on stdout is this tool's whole output.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::hint::black_box;
use std::time::Instant;

use walletpush::handle::{self, CardDisplay, HandleClaims};
use walletpush::jwk::{KeySet, KeyUse, PrivateJwk};
use walletpush::jws;

const ORIGIN: &str = "http://127.0.0.1:8081";
const BATCH: usize = 100;

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 2000,
    };
    let batches = iterations.div_ceil(BATCH).max(1);
    let issuer = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
        .with_meta("issuer-1", KeyUse::Sig);
    let keys = KeySet::new(vec![issuer.public().clone()]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let now = i64::try_from(now)?;

    // Handles shaped like the sandbox's (same claims, same lengths), each with its own jti.
    let handles: Vec<String> = (0..BATCH)
        .map(|i| handle::mint(&issuer, &claims(now, i)))
        .collect::<Result<_, _>>()?;
    // The activation payload as the sandbox serialises it: {card, sid, wallet, exp}.
    let activations: Vec<Vec<u8>> = (0..BATCH)
        .map(|i| {
            format!(
                r#"{{"card":"gift-1","sid":"s-bench{i:017}","wallet":"sandbox","exp":{}}}"#,
                now + 300
            )
            .into_bytes()
        })
        .collect();

    let es256_verify = per_op(batches, |i| {
        black_box(jws::verify_with(issuer.public(), &handles[i]).is_ok());
    });
    let handle_verify = per_op(batches, |i| {
        black_box(handle::verify(&keys, &handles[i], ORIGIN, now).is_ok());
    });
    let es256_sign = per_op(batches, |i| {
        black_box(jws::sign(
            &issuer,
            Some("walletpush-activation+jwt"),
            &activations[i],
        ));
    });
    println!(
        "{{\"iterations\":{},\"es256_verify_us\":{:.1},\"handle_verify_us\":{:.1},\"es256_sign_us\":{:.1},\"floor_us\":{:.1},\
         \"es256_verify_wall_us\":{:.1},\"handle_verify_wall_us\":{:.1},\"es256_sign_wall_us\":{:.1}}}",
        batches * BATCH,
        es256_verify.cpu,
        handle_verify.cpu,
        es256_sign.cpu,
        handle_verify.cpu + es256_sign.cpu,
        es256_verify.wall,
        handle_verify.wall,
        es256_sign.wall,
    );
    Ok(())
}

/// Microseconds per operation.
struct PerOp {
    /// CPU time of this thread over all batches, per operation.
    cpu: f64,
    /// Median over batches of the wall time per operation.
    wall: f64,
}

/// Times `batches` batches of [`BATCH`] calls of `op`, after one warm-up batch.
fn per_op(batches: usize, mut op: impl FnMut(usize)) -> PerOp {
    (0..BATCH).for_each(&mut op);
    let cpu_start = thread_cpu_us();
    let mut samples: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            (0..BATCH).for_each(&mut op);
            start.elapsed().as_secs_f64() * 1e6 / BATCH as f64
        })
        .collect();
    let cpu = (thread_cpu_us() - cpu_start) / (batches * BATCH) as f64;
    samples.sort_by(f64::total_cmp);
    PerOp {
        cpu,
        wall: samples[samples.len() / 2],
    }
}

/// utime + stime of this thread in microseconds (Linux; NaN elsewhere). The clock tick is
/// 10 ms (USER_HZ = 100).
fn thread_cpu_us() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return f64::NAN;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of proc(5), counted from 1 with pid and comm first.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(utime), Some(stime)) => (utime + stime) * 10_000.0,
        _ => f64::NAN,
    }
}

fn claims(now: i64, i: usize) -> HandleClaims {
    HandleClaims {
        iss: "sandbox-bank".into(),
        sub: "gift-demo".into(),
        card: "gift-1".into(),
        aud: ORIGIN.into(),
        iat: now,
        nbf: None,
        exp: now + 300,
        jti: format!("h-bench{i:015}"),
        wallets: vec!["sandbox".into()],
        display: CardDisplay {
            last4: "1111".into(),
            network: "visa".into(),
            product: "Gift card".into(),
            art: Some(format!("{ORIGIN}/art/gift.svg")),
        },
        bnd: walletpush::binding::bnd(&[0; walletpush::binding::SECRET_LEN]),
    }
}
