//! What a campaign will cost: Meta's rate card, the markets it prices by, and the estimate of a
//! campaign's audience against it; and what it cost, from the pricing Meta reported.

pub mod actual;
pub mod card;
pub mod category;
pub mod estimate;
pub mod markets;
pub mod money;

pub use actual::{Actual, Charges};
pub use card::{CardError, RateCard};
pub use category::Category;
pub use estimate::{Billed, Estimate};
pub use money::{Amount, Currency};

#[cfg(test)]
mod tests;
