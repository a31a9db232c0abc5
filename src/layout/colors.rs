//! Service colors: stable per service name across traces, views and sessions
//! (a hash of the name picks from a palette readable on light and dark).

/// 24 hues, mid lightness and saturation, distinct side by side.
pub const PALETTE: [(u8, u8, u8); 24] = [
    (0x4e, 0x79, 0xa7),
    (0xf2, 0x8e, 0x2b),
    (0x59, 0xa1, 0x4f),
    (0xb0, 0x7a, 0xa1),
    (0x76, 0xb7, 0xb2),
    (0xed, 0xc9, 0x48),
    (0xff, 0x9d, 0xa7),
    (0x9c, 0x75, 0x5f),
    (0x3b, 0x8b, 0xd9),
    (0x8c, 0xd1, 0x7d),
    (0xd3, 0x72, 0x95),
    (0x49, 0x98, 0x94),
    (0xb6, 0x99, 0x2d),
    (0x86, 0xbc, 0xb6),
    (0xf1, 0xce, 0x63),
    (0xa0, 0xcb, 0xe8),
    (0xd4, 0xa6, 0xc8),
    (0x79, 0x70, 0x6e),
    (0xff, 0xbe, 0x7d),
    (0x6a, 0x9f, 0x58),
    (0x96, 0x7e, 0xb6),
    (0xe1, 0x5f, 0x99),
    (0x5f, 0xa2, 0xce),
    (0xc8, 0x93, 0x6b),
];

/// Palette index for a service name (FNV-1a: stable across builds and runs).
pub fn service_index(name: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    (h % PALETTE.len() as u32) as usize
}

pub fn service_rgb(name: &str) -> (u8, u8, u8) {
    PALETTE[service_index(name)]
}

/// CSS color text for a service.
pub fn service_css(name: &str) -> String {
    let (r, g, b) = service_rgb(name);
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_spread() {
        assert_eq!(
            service_css("payment-service"),
            service_css("payment-service")
        );
        let names = [
            "api-gateway",
            "orders",
            "payment",
            "inventory",
            "email",
            "auth",
            "cart",
            "loyalty",
        ];
        let mut idx: Vec<usize> = names.iter().map(|n| service_index(n)).collect();
        idx.sort();
        idx.dedup();
        assert!(idx.len() >= 6, "{idx:?}");
    }
}
