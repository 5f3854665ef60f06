//! Random identifiers in AWS's shapes.

use rand::Rng;

/// `n` random lower-case hex digits.
pub fn hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}

/// `n` random decimal digits, the first non-zero.
pub fn digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n).map(|i| char::from_digit(if i == 0 { rng.random_range(1..10) } else { rng.random_range(0..10) }, 10).unwrap_or('1')).collect()
}

/// A request id in UUID v4 form.
pub fn request_id() -> String {
    let h = hex(32);
    format!("{}-{}-4{}-{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[16..20], &h[20..32])
}

/// An EC2 resource id: `prefix-` + 17 hex digits.
pub fn ec2(prefix: &str) -> String {
    format!("{prefix}-{}", hex(17))
}

/// A random UUID, version 4 (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`), as in ACM ARNs.
pub fn uuid_v4() -> String {
    let h = hex(32);
    let variant = char::from_digit(8 + rand::rng().random_range(0..4), 16).unwrap_or('8');
    format!("{}-{}-4{}-{variant}{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// `n` random characters of `[A-Z0-9]` (IAM unique ids such as `ASCA…`).
pub fn upper_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..n).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect()
}
