//! The names `std`'s prelude would bring, taken from `alloc`: with the `bare` feature the crate
//! is `no_std` (see `lib.rs`), and every module imports these instead.

pub(crate) use alloc::borrow::ToOwned;
pub(crate) use alloc::string::String;
pub(crate) use alloc::vec::Vec;
