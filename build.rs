//! Build step: embeds every `rules/**/*.yaml` pack into the binary and turns `data/t2s.tsv` into a lookup table.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    embed_rules(Path::new("rules"), &out.join("embedded_rules.rs"));
    t2s_table(Path::new("data/t2s.tsv"), &out.join("t2s_table.rs"));
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

fn embed_rules(dir: &Path, out: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect_yaml(dir, &mut files);
    files.sort();
    let root = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo");
    let mut code =
        String::from("/// Every default rule pack: (path relative to the crate, YAML text).\n");
    code.push_str("pub static EMBEDDED_PACKS: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.to_string_lossy().replace('\\', "/");
        let abs = Path::new(&root).join(f);
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.to_string_lossy()
        )
        .ok();
    }
    code.push_str("];\n");
    fs::write(out, code).expect("write embedded_rules.rs");
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
    fs::write(out, code).expect("write t2s_table.rs");
}
