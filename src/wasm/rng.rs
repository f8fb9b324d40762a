//! The browser's randomness (`crypto.getRandomValues`) as the `CryptoRng` the core takes.
//!
//! It replaces `rand_core::UnwrapErr(getrandom::SysRng)`, whose panic on a failure formats the
//! `getrandom` error into its message: that formatting code was in the `.wasm` every host page
//! downloads. Here a failure (a browser without Web Crypto) aborts, as that panic did with
//! `panic = "abort"`: the call traps (`RuntimeError: unreachable`) and nothing is formatted.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// `crypto.getRandomValues`, infallible: a failure aborts.
#[derive(Debug)]
pub(crate) struct BrowserRng;

impl TryRng for BrowserRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        if getrandom::fill(dst).is_err() {
            core::arch::wasm32::unreachable();
        }
        Ok(())
    }
}

impl TryCryptoRng for BrowserRng {}
