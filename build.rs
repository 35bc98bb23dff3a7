//! Build step: embeds every `rules/**/*.yaml` pack into the binary, analyses their regexes with the engine's own
//! `regex_facts` (so that livelint does not parse them at start-up), and turns `data/t2s.tsv` and
//! `data/han_freq.tsv` into lookup tables.

#[allow(dead_code)]
#[path = "src/rules/regex_facts.rs"]
mod regex_facts;

#[allow(dead_code)]
#[path = "src/engine/automata.rs"]
mod automata;

#[path = "src/engine/frequency_model.rs"]
mod frequency_model;

use std::collections::HashMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let packs = embed_rules(Path::new("rules"), &out.join("embedded_rules.rs"));
    let rates = han_freq_table(
        Path::new("data/han_freq.tsv"),
        &out.join("han_freq_table.rs"),
    );
    let rule_regexes = regex_facts_table(&packs, &rates, &out.join("regex_facts_table.rs"));
    embedded_dfas(&rule_regexes, &out);
    t2s_table(Path::new("data/t2s.tsv"), &out.join("t2s_table.rs"));
    link_position_dependent();
}

/// On Linux the `livelint` binary is linked position-dependent. A position-independent one has 22,000
/// pointers in its static tables (the embedded packs' regex facts, clap's, encoding_rs's) that the loader
/// rewrites at every start, copying the 110 pages they sit on: 0.3-0.7 ms of a 4-10 ms run on a 5 KB script
/// (issue 6, targets 4 and 6). The cost is that the binary itself is not loaded at a random address;
/// libraries, heap and stack still are, as for Go's binaries, which are linked the same way.
/// `LIVELINT_PIE=1` at build time keeps the default.
/// A static build (`crt-static`) is left alone: rustc links it as a static PIE, which `-no-pie` would break.
fn link_position_dependent() {
    println!("cargo:rerun-if-env-changed=LIVELINT_PIE");
    let linux = env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let crt_static = env::var("CARGO_CFG_TARGET_FEATURE")
        .is_ok_and(|features| features.split(',').any(|f| f == "crt-static"));
    if linux && !crt_static && env::var_os("LIVELINT_PIE").is_none() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

/// `data/han_freq.tsv` as a sorted table of (text, occurrences per billion characters); returns its rates
/// per character for [`regex_facts_table`].
fn han_freq_table(src: &Path, out: &Path) -> HashMap<String, f64> {
    println!("cargo:rerun-if-changed={}", src.display());
    let text = fs::read_to_string(src).expect("data/han_freq.tsv is part of the crate");
    let mut rows: Vec<(&str, u32)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (word, rate) = l.split_once('\t')?;
            Some((word, rate.trim().parse().ok()?))
        })
        .collect();
    rows.sort_unstable();
    rows.dedup_by_key(|r| r.0);
    // The words as one string with their end offsets, not a table of `&str`: each `&str` in a static is a
    // pointer the loader relocates at every start, and 19,182 of them were 0.5 ms of a 5 KB script's run
    // (issue 6, target 4).
    let mut words = String::new();
    let mut ends = Vec::with_capacity(rows.len());
    for (word, _) in &rows {
        words.push_str(word);
        ends.push(u32::try_from(words.len()).expect("the words take less than 4 GiB"));
    }
    let freqs: Vec<u32> = rows.iter().map(|r| r.1).collect();
    let mut code = format!(
        "/// The words, sorted, one after another (jieba's dictionary, MIT); row `i` ends at `HAN_FREQ_ENDS[i]`.\n\
         static HAN_FREQ_WORDS: &str = {words:?};\n\
         /// End of each row's word in `HAN_FREQ_WORDS`.\n\
         static HAN_FREQ_ENDS: [u32; {n}] = {ends:?};\n\
         /// Occurrences per billion characters of each row's word.\n\
         static HAN_FREQ_RATES: [u32; {n}] = {freqs:?};\n",
        n = rows.len()
    );
    // An open-addressing index of the rows by `frequency_model::slot_hash`, so that a user pack's gates look
    // up each word in a few instructions rather than a binary search of string comparisons (issue 6).
    let rates = rows
        .iter()
        .map(|&(w, r)| (w.to_string(), f64::from(r) * 1e-9))
        .collect();
    let slots = (rows.len() * 2).next_power_of_two();
    let mut index = vec![0u16; slots];
    for (i, (word, _)) in rows.iter().enumerate() {
        let mut s = frequency_model::slot_hash(word.as_bytes()) as usize & (slots - 1);
        while index[s] != 0 {
            s = (s + 1) & (slots - 1);
        }
        index[s] = u16::try_from(i + 1).expect("the table has fewer than 65,535 rows");
    }
    writeln!(
        code,
        "/// Row + 1 of each word in `HAN_FREQ_WORDS` at slot `slot_hash(word)`, probed linearly; 0 is empty.\n\
         static HAN_FREQ_INDEX: [u16; {slots}] = {index:?};"
    )
    .ok();
    fs::write(out, code).expect("write han_freq_table.rs");
    rates
}

fn collect_yaml(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, found);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            found.push(path);
        }
    }
}

fn embed_rules(dir: &Path, out: &Path) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    files.sort();
    let root = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo");
    let mut code = String::from(
        "/// Every default rule pack: (path relative to the crate, YAML text, the same document as JSON).\n",
    );
    code.push_str("pub static EMBEDDED_PACKS: &[(&str, &str, Option<&str>)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.to_string_lossy().replace('\\', "/");
        let abs = Path::new(&root).join(f);
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?}), {:?}),",
            abs.to_string_lossy(),
            as_json(f)
        )
        .ok();
    }
    code.push_str("];\n");
    fs::write(out, code).expect("write embedded_rules.rs");
    files
}

/// A pack's YAML document as JSON, which livelint parses several times faster than YAML (issue 6: parsing the
/// default packs was a fifth of a run on one script). `None` when the YAML does not parse or does not map onto
/// JSON (a key that is no string); livelint then parses the YAML, and reports what is wrong with it.
fn as_json(pack: &Path) -> Option<String> {
    let text = fs::read_to_string(pack).ok()?;
    let doc = serde_yaml::from_str::<serde_yaml::Value>(&text).ok()?;
    serde_json::to_string(&doc).ok()
}

/// Every `match.regex` and listing `field.pattern` of the packs, analysed, as a table sorted by pattern. A pack that does not parse, or a
/// regex that does not, is left out: livelint then reports it, with its line, when it loads the pack.
/// Returns the `match.regex` patterns, sorted, each with whether the engine may find it ungated.
fn regex_facts_table(
    packs: &[PathBuf],
    rates: &HashMap<String, f64>,
    out: &Path,
) -> Vec<(String, bool)> {
    // The rate of a word set as the engine's planner computes it (src/engine/frequency.rs), over the words
    // lower-cased text can hold.
    let listed = |w: &str| rates.get(w).copied();
    let set_rate = |words: &[String]| -> f64 {
        words
            .iter()
            .filter(|w| !w.bytes().any(|b| b.is_ascii_uppercase()))
            .map(|w| frequency_model::rate_with(w, &listed))
            .sum()
    };
    let mut patterns: Vec<String> = Vec::new();
    let mut rule_regexes: Vec<String> = Vec::new();
    for f in packs {
        let Ok(text) = fs::read_to_string(f) else {
            continue;
        };
        let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(&text) else {
            continue;
        };
        let Some(rules) = doc.get("rules").and_then(|r| r.as_sequence()) else {
            continue;
        };
        for rule in rules {
            let regexes = rule
                .get("match")
                .and_then(|m| m.get("regex"))
                .and_then(|r| r.as_sequence());
            for re in regexes.into_iter().flatten() {
                if let Some(re) = re.as_str() {
                    patterns.push(re.to_string());
                    rule_regexes.push(re.to_string());
                }
            }
            // Listing field patterns are checked at load with the same table.
            let field = rule
                .get("field")
                .and_then(|f| f.get("pattern"))
                .and_then(|p| p.as_str());
            patterns.extend(field.map(str::to_string));
        }
    }
    patterns.sort();
    patterns.dedup();
    let mut code = String::from(
        "/// The facts of every regex of the embedded packs, sorted by pattern (generated by build.rs).\n",
    );
    code.push_str("pub static EMBEDDED_FACTS: &[(&str, StaticFacts)] = &[\n");
    let mut ungated: Vec<&str> = Vec::new();
    for p in &patterns {
        let Ok(f) = regex_facts::analyze(p) else {
            continue;
        };
        let f = f.without_ascii_capitals().without_extensions();
        // A branch with no prefixes and no required word near its start gives the engine no trigger (see
        // `plan` in src/engine/regexes.rs); the engine drops a few more literals, so this is a subset.
        let no_trigger = |g: &regex_facts::Group| {
            g.prefixes.is_none()
                && !g
                    .required
                    .iter()
                    .any(|r| r.max_before.is_some_and(|b| b <= automata::WINDOW_BYTES))
        };
        if f.groups
            .as_ref()
            .map_or(true, |gs| gs.iter().any(no_trigger))
        {
            ungated.push(p);
        }
        let groups = match &f.groups {
            None => "None".to_string(),
            Some(gs) => {
                let mut g = String::from("Some(&[");
                for group in gs {
                    let prefixes = match &group.prefixes {
                        None => "None".to_string(),
                        Some(p) => format!("Some((&{p:?}, {:?}))", set_rate(p)),
                    };
                    let mut req = String::from("&[");
                    for r in &group.required {
                        write!(
                            req,
                            "(&{:?}, {:?}, {:?}, {:?}),",
                            r.words,
                            r.max_before,
                            r.spaced,
                            set_rate(&r.words)
                        )
                        .ok();
                    }
                    req.push(']');
                    write!(
                        g,
                        "StaticGroup {{ prefixes: {prefixes}, required: {req} }},"
                    )
                    .ok();
                }
                g.push_str("])");
                g
            }
        };
        writeln!(
            code,
            "    ({p:?}, StaticFacts {{ max_len: {:?}, groups: {groups}, unicode_word_boundary: {}, barriers: &{:?} }}),",
            f.max_len, f.unicode_word_boundary, f.barriers
        )
        .ok();
    }
    code.push_str("];\n");
    fs::write(out, code).expect("write regex_facts_table.rs");
    rule_regexes.sort();
    rule_regexes.dedup();
    rule_regexes
        .into_iter()
        .map(|p| {
            let u = ungated.contains(&p.as_str());
            (p, u)
        })
        .collect()
}

/// The DFAs of the rule regexes that fit in `automata::MAX_EMBEDDED_DFA_BYTES`, in one file of bytes, and
/// the tables that find them, sorted by pattern: for every pattern its anchored DFA (pattern, offset, length),
/// and for the patterns the engine may find ungated their forward and reverse DFAs (pattern, offset and length
/// of each). The engine searches with these; compiling them at run time was most of a pre-commit run's scan
/// (issue 6).
fn embedded_dfas(patterns: &[(String, bool)], out_dir: &Path) {
    let mut bytes: Vec<u8> = Vec::new();
    let mut add = |dfa: &[u8]| {
        let at = bytes.len();
        bytes.extend_from_slice(dfa);
        (at, dfa.len())
    };
    let mut anchored = String::new();
    let mut ungated = String::new();
    for (p, maybe_ungated) in patterns {
        if let Some(dfa) = automata::anchored_dfa_bytes(p, automata::MAX_EMBEDDED_DFA_BYTES) {
            let (at, len) = add(&dfa);
            writeln!(anchored, "    ({p:?}, {at}, {len}),").ok();
        }
        if !maybe_ungated {
            continue;
        }
        if let Some((fwd, rev)) = automata::ungated_dfa_bytes(p, automata::MAX_EMBEDDED_DFA_BYTES) {
            let (f_at, f_len) = add(&fwd);
            let (r_at, r_len) = add(&rev);
            writeln!(ungated, "    ({p:?}, {f_at}, {f_len}, {r_at}, {r_len}),").ok();
        }
    }
    let code = format!(
        "/// The embedded DFAs' bytes (generated by build.rs).\n\
         static DFA_BYTES: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/embedded_dfas.bin\"));\n\
         /// (pattern, offset, length) of each anchored DFA in `DFA_BYTES`, sorted by pattern.\n\
         static ANCHORED_DFAS: &[(&str, usize, usize)] = &[\n{anchored}];\n\
         /// (pattern, forward DFA offset and length, reverse DFA offset and length), sorted by pattern.\n\
         static UNGATED_DFAS: &[(&str, usize, usize, usize, usize)] = &[\n{ungated}];\n"
    );
    fs::write(out_dir.join("embedded_dfas.bin"), bytes).expect("write embedded_dfas.bin");
    fs::write(out_dir.join("embedded_dfas.rs"), code).expect("write embedded_dfas.rs");
}

fn t2s_table(src: &Path, out: &Path) {
    println!("cargo:rerun-if-changed={}", src.display());
    let text = fs::read_to_string(src).expect("data/t2s.tsv is part of the crate");
    let mut pairs: Vec<(char, char)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut it = l.split('\t');
            let t = it.next()?.chars().next()?;
            let s = it.next()?.chars().next()?;
            Some((t, s))
        })
        .collect();
    pairs.sort();
    pairs.dedup_by_key(|p| p.0);
    const LO: u32 = 0x3400;
    const HI: u32 = 0xA000;
    let mut bitmap = vec![0u64; ((HI - LO) as usize).div_ceil(64)];
    for &(t, _) in &pairs {
        let cp = t as u32;
        if (LO..HI).contains(&cp) {
            let i = (cp - LO) as usize;
            bitmap[i / 64] |= 1 << (i % 64);
        }
    }
    let mut code = String::new();
    writeln!(
        code,
        "/// Traditional -> simplified pairs, sorted (OpenCC TSCharacters, Apache-2.0)."
    )
    .ok();
    writeln!(code, "static T2S: [(char, char); {}] = [", pairs.len()).ok();
    for (t, s) in &pairs {
        writeln!(code, "    ({t:?}, {s:?}),").ok();
    }
    code.push_str("];\n");
    writeln!(
        code,
        "/// Which code points in the dense range have a mapping."
    )
    .ok();
    writeln!(
        code,
        "static T2S_BITMAP: [u64; {}] = {:?};",
        bitmap.len(),
        bitmap
    )
    .ok();
    // Normalization's hot loop: for a three-byte character, bit `cp % 64` of word `cp / 64` is set when it is
    // a Han character of U+3400..U+4DBF or U+4E00..U+9FFF that has no mapping (kept as it is). Indexed straight
    // from the first two bytes of the character, with no bounds check (1,024 words).
    let mut keep = vec![0u64; 1024];
    for (w, word) in keep.iter_mut().enumerate() {
        let first = (w as u32) << 6;
        let han = (0x3400..0x4DC0).contains(&first) || (0x4E00..0xA000).contains(&first);
        if han {
            *word = !bitmap[((first - LO) / 64) as usize];
        }
    }
    writeln!(
        code,
        "/// Three-byte Han characters normalization keeps as they are, by code point / 64."
    )
    .ok();
    writeln!(code, "static HAN_KEPT: [u64; 1024] = {keep:?};").ok();
    fs::write(out, code).expect("write t2s_table.rs");
}
