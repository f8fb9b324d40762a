//! Helpers of the integration tests (and of the two-instance benchmark).

pub mod instances;
pub mod postgres;
