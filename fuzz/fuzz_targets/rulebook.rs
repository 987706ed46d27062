//! The rulebook loader on any text: a report or a rulebook, never a panic;
//! a rulebook that loads classifies any post.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postclass::engine;
use postclass::rulebook::Source;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = engine::check(Source::new("fuzz.toml", text.as_ref()), &mut engine::no_files);
    if let Ok((rb, _)) = engine::load(Source::new("fuzz.toml", text.as_ref())) {
        for post in [text.as_ref(), "", "MON INTERNET COUPE !!! @free #panne 😡"] {
            let v = rb.classify(post);
            for set in 0..rb.sets.len() {
                let _ = rb.label_of(&v, set);
            }
        }
    }
});
