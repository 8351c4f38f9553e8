//! Unified social credit codes (统一社会信用代码, GB 32100-2015).
//!
//! An 18-character code over `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z):
//!
//! | positions | meaning | here |
//! |---|---|---|
//! | 1 | registering authority | `9` (market regulation) |
//! | 2 | entity type | `1` (enterprise) |
//! | 3–8 | administrative division | the county's `1301xx` code |
//! | 9–17 | organisation code (GB 11714), its own check at 17 | random body, valid check |
//! | 18 | check character over 1–17 | computed |
//!
//! The ingest only has to verify position 18, but a synthetic code that also has a
//! valid GB 11714 part is indistinguishable from a real one, which keeps the demo honest.

use crate::rng::Rng;

/// The GB 32100 alphabet; a character's value is its index.
pub(crate) const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: `3^(i-1) mod 31`.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights for the 8-character organisation code body.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Letters of the GB 32100 alphabet, used in the `MA…` organisation codes that
/// enterprises registered since 2015 receive.
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRTUWXY";

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|i| i as u32)
}

/// The check character (position 18) for the first 17 characters.
pub(crate) fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    Some(CHARSET[((31 - sum % 31) % 31) as usize])
}

/// Whether `code` is 18 characters of the alphabet with a correct check character.
#[cfg(test)]
pub(crate) fn is_valid(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 18 && check_char(&b[..17]) == Some(b[17])
}

/// The GB 11714 check character of an organisation code body (digits and letters,
/// A = 10 … Z = 35): `11 - sum mod 11`, where 10 is written `X` and 11 is `0`.
fn org_check(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&c, w)| {
            let v = if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'A' + 10
            };
            u32::from(v) * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    }
}

/// A fresh, valid code for an enterprise registered in `division` (e.g. 130181).
pub(crate) fn generate(rng: &mut Rng, division: u32) -> String {
    let mut code = Vec::with_capacity(18);
    code.extend_from_slice(b"91");
    code.extend_from_slice(format!("{division:06}").as_bytes());
    // About half the enterprises predate 2015 and keep an all-digit organisation
    // code; newer ones carry the `MA` prefix.
    if rng.chance(0.5) {
        code.extend_from_slice(b"MA");
        for _ in 0..6 {
            let c = if rng.chance(0.6) {
                b'0' + rng.below(10) as u8
            } else {
                *rng.pick(LETTERS)
            };
            code.push(c);
        }
    } else {
        for _ in 0..8 {
            code.push(b'0' + rng.below(10) as u8);
        }
    }
    let org = org_check(&code[8..16]);
    code.push(org);
    let check = check_char(&code).expect("17 characters of the alphabet");
    code.push(check);
    String::from_utf8(code).expect("ASCII")
}

/// `code` with its check character replaced by a wrong one: a typo the ingest must
/// reject with `E_CREDIT_CODE`.
pub(crate) fn with_wrong_check(code: &str) -> String {
    let b = code.as_bytes();
    let right = value(b[17]).unwrap_or(0);
    let wrong = CHARSET[((right + 1) % 31) as usize];
    let mut s = code[..17].to_string();
    s.push(char::from(wrong));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_check() {
        // The example code printed in GB 32100-2015 and a registered company's code.
        assert!(is_valid("91350100M000100Y43"));
        assert!(is_valid("91110000802100433B"));
        assert!(!is_valid("91350100M000100Y44"));
        assert!(!is_valid("91350100M000100Y4"));
        assert!(!is_valid("9135010OM000100Y43"));
    }

    #[test]
    fn generated_codes_are_valid_in_both_checks() {
        let mut rng = Rng::new(1);
        for _ in 0..2000 {
            let code = generate(&mut rng, 130_181);
            assert!(is_valid(&code), "{code}");
            assert!(code.starts_with("91130181"));
            assert_eq!(org_check(&code.as_bytes()[8..16]), code.as_bytes()[16]);
            assert!(code.bytes().all(|c| CHARSET.contains(&c)));
            assert!(!is_valid(&with_wrong_check(&code)));
        }
    }

    #[test]
    fn organisation_code_check_matches_a_published_example() {
        // GB 11714 example: 12345678-8.
        assert_eq!(org_check(b"12345678"), b'8');
    }
}
