//! Privacy of the people in the training data: differentially private training (DP-SGD as
//! Opacus, Abadi et al. 2016), its Rényi-DP accountant (Mironov et al. 2019), a
//! membership-inference audit (Yeom et al. 2018) and a data check for direct identifiers and
//! k-anonymity (Sweeney 2002). See `docs/PRIVACY.md`.

pub mod accountant;
pub mod audit;
pub mod check;
pub mod dpsgd;

pub use accountant::{Conversion, PrivacySpent, RdpAccountant};
pub use audit::MembershipAudit;
pub use check::{DataPrivacyReport, Table};
pub use dpsgd::{DpSgd, DpSgdConfig, Sampling};
