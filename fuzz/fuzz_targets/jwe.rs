#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| walletpush_fuzz::jwe(data));
