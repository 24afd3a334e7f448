//! Message ids and the seeded hash behind them and behind the random faults.
//!
//! Ids come from a counter passed through a bijective 64-bit mixer offset by the seed, so
//! every id in one run is different and a run with the same seed hands out the same ids in
//! the same order.

use std::sync::atomic::{AtomicU64, Ordering};

/// The splitmix64 finaliser: a bijection on `u64` that scatters neighbouring inputs.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stable hash of `seed` and `parts` (FNV-1a, then [`mix`]): the same on every platform and
/// Rust version, so seeded runs repeat.
pub(crate) fn hash(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ mix(seed);
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
        // Separate parts so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xFF;
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    mix(h)
}

/// A number in `[0, 1)` from a hash.
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Hands out ids that are unique within one sandbox run.
#[derive(Debug)]
pub(crate) struct Ids {
    base: u64,
    next: AtomicU64,
}

impl Ids {
    /// A generator for a run seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Ids {
        Ids { base: mix(seed ^ 0x05EE_D1D5), next: AtomicU64::new(1) }
    }

    /// A fresh 64-bit value, never repeated in this run.
    fn unique(&self) -> u64 {
        mix(self.base.wrapping_add(self.next.fetch_add(1, Ordering::Relaxed)))
    }

    /// A Meta-style message id: `wamid.` and 32 upper-case hex digits.
    pub(crate) fn wamid(&self) -> String {
        let u = self.unique();
        format!("wamid.HBgM{u:016X}{:016X}", mix(u ^ 0xA5A5))
    }

    /// 16 upper-case hex digits, as Baileys message ids look.
    pub(crate) fn hex16(&self) -> String {
        format!("{:016X}", self.unique())
    }

    /// A UUID-shaped id (8-4-4-4-12 lower-case hex).
    pub(crate) fn uuid(&self) -> String {
        let a = self.unique();
        let b = mix(a ^ 0x0F0F);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_follow_the_seed() {
        let ids = Ids::new(7);
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            assert!(seen.insert(ids.wamid()));
            assert!(seen.insert(ids.hex16()));
            assert!(seen.insert(ids.uuid()));
        }
        assert_eq!(Ids::new(7).hex16(), Ids::new(7).hex16());
        assert_ne!(Ids::new(7).hex16(), Ids::new(8).hex16());
        assert_eq!(Ids::new(1).hex16().len(), 16);
        assert!(Ids::new(1).wamid().starts_with("wamid."));
    }

    #[test]
    fn hash_separates_parts_and_unit_stays_below_one() {
        assert_ne!(hash(0, &[b"ab", b"c"]), hash(0, &[b"a", b"bc"]));
        assert_ne!(hash(0, &[b"x"]), hash(1, &[b"x"]));
        assert!(unit(u64::MAX) < 1.0);
        assert_eq!(unit(0), 0.0);
    }
}
