//! The normaliser on any text, with every combination of options: no
//! panic, the same text with and without offsets, and offsets that point,
//! in order, at character starts of the original.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postclass::{NormalizeOptions, Normalizer};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let options = NormalizeOptions {
        case_fold: flags & 1 != 0,
        accent_fold: flags & 2 != 0,
        unify_punctuation: flags & 4 != 0,
        collapse_whitespace: flags & 8 != 0,
    };
    let n = Normalizer::new(options);
    let plain = n.normalize(&text);
    let (mut out, mut offsets) = (String::new(), Vec::new());
    n.normalize_with_offsets(&text, &mut out, &mut offsets);
    assert_eq!(plain, out);
    assert_eq!(out.len(), offsets.len());
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]));
    assert!(offsets
        .iter()
        .all(|&o| o < text.len() && text.is_char_boundary(o)));
});
