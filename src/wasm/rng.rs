//! Randomness for the widget: the browser's CSPRNG, `crypto.getRandomValues` (W3C Web
//! Cryptography API §10.1.1), the same source `getrandom`'s browser backend reads.

use rand_core::{CryptoRng, Error, RngCore};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// `getRandomValues` fills at most 65,536 bytes per call.
const MAX_CHUNK: usize = 65_536;

/// The browser's CSPRNG as a [`RngCore`] + [`CryptoRng`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct BrowserRng;

impl RngCore for BrowserRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    /// A browser without `crypto.getRandomValues` cannot run the widget at all: the call traps,
    /// and the frame reports `INTERNAL`.
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.try_fill_bytes(dest).is_err() {
            core::arch::wasm32::unreachable()
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        for chunk in dest.chunks_mut(MAX_CHUNK) {
            get_random_values(chunk).map_err(|_| Error::from(UNAVAILABLE))?;
        }
        Ok(())
    }
}

impl CryptoRng for BrowserRng {}

/// rand_core's custom error code space starts at `Error::CUSTOM_START`.
const UNAVAILABLE: core::num::NonZeroU32 = match core::num::NonZeroU32::new(Error::CUSTOM_START) {
    Some(code) => code,
    None => panic!(),
};
