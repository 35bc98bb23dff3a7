//! Product listings and claims checked against them, through the real binary (issue 4).

use assert_cmd::Command;
use serde_json::Value;

fn livelint() -> Command {
    let mut c = Command::cargo_bin("livelint").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

/// Runs `check ARGS --format json` and returns (exit code, report).
fn check_json(args: &[&str]) -> (i32, Value) {
    let out = livelint()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

fn findings<'a>(report: &'a Value, path: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"] == path)
        .collect()
}

fn find<'a>(report: &'a Value, path: &str, rule: &str) -> Vec<&'a Value> {
    findings(report, path)
        .into_iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn errors(report: &Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn pos(f: &Value) -> (u64, u64, u64, u64) {
    (
        f["line"].as_u64().unwrap(),
        f["column"].as_u64().unwrap(),
        f["end_line"].as_u64().unwrap(),
        f["end_column"].as_u64().unwrap(),
    )
}

#[test]
fn inflated_reference_price_is_found_at_the_claim() {
    let (code, r) = check_json(&["fixtures/listings"]);
    assert_eq!(code, 1, "findings, no input errors: {:?}", errors(&r));
    let fs = find(
        &r,
        "fixtures/listings/live-1108.txt",
        "zh-claims/reference-price-above-7-day-low",
    );
    assert_eq!(fs.len(), 1, "{fs:?}");
    let f = fs[0];
    assert_eq!(f["message"], "原价299元高于直播前7日最低成交价129元");
    assert_eq!(f["matched"], "原价299");
    assert_eq!(f["severity"], "error");
    assert_eq!(pos(f), (5, 1, 5, 6));
    // 4号链接 (spf-01) says 原价129, which its own history supports: the claim is tied to that product.
    assert!(fs.iter().all(|f| f["line"] != 7));
}

#[test]
fn every_claim_check_fires_on_the_live_script() {
    let (_, r) = check_json(&["fixtures/listings"]);
    let path = "fixtures/listings/live-1108.txt";
    let got: Vec<(String, u64, u64)> = findings(&r, path)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("zh-claims/reference-price-above-7-day-low", 5, 1),
        ("zh-claims/discount-not-matching-listing", 5, 21),
        ("zh-claims/claimed-credential-not-in-listing", 6, 4),
        ("zh-claims/special-efficacy-on-ordinary-cosmetics", 6, 14),
    ];
    let want: Vec<(String, u64, u64)> = want
        .iter()
        .map(|(r, l, c)| (r.to_string(), *l, *c))
        .collect();
    assert_eq!(got, want);
    let discount = &find(&r, path, "zh-claims/discount-not-matching-listing")[0];
    assert_eq!(
        discount["message"],
        "宣称「5折」与清单不符：到手价129元、划线价199元，实际约6.5折、立减70元"
    );
    let cred = &find(&r, path, "zh-claims/claimed-credential-not-in-listing")[0];
    assert!(cred["message"]
        .as_str()
        .unwrap()
        .contains("特殊化妆品注册证号（国妆特字）"));
}

#[test]
fn missing_production_license_points_at_the_product_id() {
    let (_, r) = check_json(&["fixtures/listings"]);
    let fs = find(
        &r,
        "fixtures/listings/shop.listing.yaml",
        "zh-listing/food-production-license-missing",
    );
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["matched"], "cookie-01");
    assert_eq!(pos(fs[0]), (39, 9, 39, 18));
    // The food listing without the .listing. suffix holds a licence: no finding there.
    assert!(find(
        &r,
        "fixtures/listings/catalog.yaml",
        "zh-listing/food-production-license-missing"
    )
    .is_empty());
    assert!(findings(&r, "fixtures/listings/settings.yaml").is_empty());
}

#[test]
fn uscc_check_digit_mismatch_is_a_warning_and_malformed_is_an_error() {
    let (_, r) = check_json(&["fixtures/listings"]);
    let w = find(
        &r,
        "fixtures/listings/shop.listing.yaml",
        "zh-listing/seller-uscc-check-digit",
    );
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["severity"], "warning");
    assert_eq!(w[0]["matched"], "91350211M0000XUF46");
    assert_eq!(pos(w[0]), (33, 40, 33, 58));
    assert!(w[0]["message"].as_str().unwrap().contains("应为R"));
    // The valid code of cream-01 (91350100M000100Y43) yields nothing.
    assert!(find(
        &r,
        "fixtures/listings/gadgets.listing.csv",
        "zh-listing/seller-uscc-check-digit"
    )
    .is_empty());
    let e = find(
        &r,
        "fixtures/listings/pantry.listing.json",
        "zh-listing/seller-uscc-format",
    );
    assert_eq!(e.len(), 1);
    assert_eq!(e[0]["severity"], "error");
    assert_eq!(pos(e[0]), (10, 49, 10, 66));
    assert!(find(
        &r,
        "fixtures/listings/pantry.listing.json",
        "zh-listing/seller-uscc-check-digit"
    )
    .is_empty());
}

#[test]
fn json_and_csv_listings_point_at_their_records() {
    let (_, r) = check_json(&["fixtures/listings"]);
    let hf = find(
        &r,
        "fixtures/listings/pantry.listing.json",
        "zh-listing/health-food-approval-missing",
    );
    assert_eq!(hf.len(), 1);
    assert_eq!(pos(hf[0]), (15, 14, 15, 19));
    let ccc = find(
        &r,
        "fixtures/listings/gadgets.listing.csv",
        "zh-listing/ccc-certificate-missing",
    );
    assert_eq!(ccc.len(), 1);
    assert_eq!(ccc[0]["severity"], "warning");
    assert_eq!(pos(ccc[0]), (2, 1, 2, 11));
    let addr = find(
        &r,
        "fixtures/listings/gadgets.listing.csv",
        "zh-listing/manufacturer-address-missing",
    );
    assert_eq!(addr.len(), 1);
    assert_eq!(addr[0]["matched"], "massager-01");
}

#[test]
fn listing_descriptions_are_scanned_by_text_rules() {
    let (_, r) = check_json(&["fixtures/listings"]);
    let fs = find(
        &r,
        "fixtures/listings/shop.listing.yaml",
        "zh-price/lowest-price-claims",
    );
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["matched"], "全网最低价");
    assert_eq!(pos(fs[0]), (37, 23, 37, 28));
    // The listing says which products are special cosmetics: no "needs 国妆特字" warning on their copy.
    assert!(find(
        &r,
        "fixtures/listings/shop.listing.yaml",
        "zh-credentials/special-cosmetic-claims"
    )
    .is_empty());
    // Claims in a listing's own copy are checked against the product: 美白 on ordinary cosmetics.
    let fs = find(
        &r,
        "fixtures/listings/shop.listing.yaml",
        "zh-claims/special-efficacy-on-ordinary-cosmetics",
    );
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["matched"], "美白");
    assert_eq!(pos(fs[0]), (22, 26, 22, 28));
}

#[test]
fn bad_records_are_errors_and_valid_records_are_still_checked() {
    let (code, r) = check_json(&["tests/data/bad"]);
    assert_eq!(code, 2, "input errors make the audit incomplete");
    // tests/data/bad also holds broken transcripts; this test is about the listings.
    let errs: Vec<_> = errors(&r)
        .into_iter()
        .filter(|e| e.contains(".listing."))
        .collect();
    assert_eq!(
        errs,
        vec![
            "tests/data/bad/broken.listing.csv: line 3, column 1: CSV row has 3 fields, the header has 6; the row is skipped",
            "tests/data/bad/broken.listing.csv: line 4, column 20: product `soap-03`: `price` must be a number (元), not `abc`",
            "tests/data/bad/broken.listing.yaml: line 2, column 5: product 1 has no `id`",
            "tests/data/bad/broken.listing.yaml: line 5, column 12: product `bad-price`: `price` must be a number (元)",
        ]
    );
    // soap-00 (YAML) and soap-04 (CSV) are valid records next to the broken ones.
    let yaml = findings(&r, "tests/data/bad/broken.listing.yaml");
    assert_eq!(yaml.len(), 2);
    assert!(yaml
        .iter()
        .all(|f| f["matched"] == "soap-00" && f["line"] == 6));
    let csv = find(
        &r,
        "tests/data/bad/broken.listing.csv",
        "zh-listing/manufacturer-address-missing",
    );
    assert_eq!(csv.len(), 1);
    assert_eq!(
        (csv[0]["matched"].as_str(), csv[0]["line"].as_u64()),
        (Some("soap-04"), Some(5))
    );
}

#[test]
fn product_flag_ties_an_untied_script() {
    let (_, r) = check_json(&[
        "fixtures/listings/untied.txt",
        "--listings",
        "fixtures/listings/shop.listing.yaml",
    ]);
    // Without a tie no claim is checked; the text rules still ask for evidence of the 原价.
    let untied = findings(&r, "fixtures/listings/untied.txt");
    assert!(
        untied
            .iter()
            .all(|f| !f["rule"].as_str().unwrap().starts_with("zh-claims/")),
        "{untied:?}"
    );
    assert!(untied
        .iter()
        .any(|f| f["rule"] == "zh-price/reference-price"));
    let (_, r) = check_json(&[
        "fixtures/listings/untied.txt",
        "--listings",
        "fixtures/listings/shop.listing.yaml",
        "--product",
        "cream-01",
        "--date",
        "2026-11-08",
    ]);
    let fs = find(
        &r,
        "fixtures/listings/untied.txt",
        "zh-claims/reference-price-above-7-day-low",
    );
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["message"], "原价299元高于直播前7日最低成交价129元");
    // The listing named with --listings is audited too.
    assert!(!findings(&r, "fixtures/listings/shop.listing.yaml").is_empty());
}

#[test]
fn no_sale_in_the_window_compares_with_the_last_sale() {
    let (_, r) = check_json(&[
        "fixtures/listings/untied.txt",
        "--listings",
        "fixtures/listings/shop.listing.yaml",
        "--product",
        "cream-01",
        "--date",
        "2026-11-20",
    ]);
    let fs = find(
        &r,
        "fixtures/listings/untied.txt",
        "zh-claims/reference-price-above-7-day-low",
    );
    assert_eq!(fs.len(), 1);
    assert_eq!(
        fs[0]["message"],
        "原价299元高于直播前7日内无成交时的最后一次成交价159元（2026-11-06）"
    );
}

#[test]
fn front_matter_ties_a_product_without_history_to_a_warning() {
    let (_, r) = check_json(&["fixtures/listings"]);
    let fs = find(
        &r,
        "fixtures/listings/cookie-pitch.md",
        "zh-claims/reference-price-above-7-day-low",
    );
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0]["severity"], "warning");
    assert_eq!(fs[0]["matched"], "日常价59");
    assert_eq!(pos(fs[0]), (5, 6, 5, 11));
}

#[test]
fn unknown_products_are_reported() {
    let out = livelint()
        .args(["check", "fixtures/listings/untied.txt", "--listings"])
        .arg("fixtures/listings/shop.listing.yaml")
        .args(["--product", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--product nope: no listing defines"));

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "---\nproduct: ghost\n---\n原价299\n").unwrap();
    let (code, r) = check_json(&[
        script.to_str().unwrap(),
        "--listings",
        "fixtures/listings/shop.listing.yaml",
    ]);
    assert_eq!(code, 2);
    assert!(errors(&r)
        .iter()
        .any(|e| e.contains("line 2: front matter names product `ghost`")));
}

#[test]
fn a_product_id_defined_twice_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.listing.yaml");
    std::fs::copy("fixtures/listings/catalog.yaml", &copy).unwrap();
    let (code, r) = check_json(&[
        "fixtures/listings/catalog.yaml",
        copy.to_str().unwrap(),
        "--listings",
        "fixtures/listings/catalog.yaml",
    ]);
    assert_eq!(code, 2);
    let errs = errors(&r);
    assert_eq!(
        errs.len(),
        1,
        "the same file named twice is read once: {errs:?}"
    );
    assert!(
        errs[0].contains("line 3, column 9: product id `mango-01` is already defined in")
            && errs[0].contains("copy.listing.yaml"),
        "{errs:?}"
    );
}

#[test]
fn aliases_tie_scripts_and_set_the_product_category_for_text_rules() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("food.yaml");
    std::fs::write(
        &pack,
        r#"pack: t
rules:
  - id: food-cure
    title: 食品宣称疗效
    category: exaggerated-efficacy
    severity: error
    law: ["广告法 第十七条"]
    message: "{matched}"
    help: h
    when: { product: [food] }
    match: { keywords: [降血糖] }
    examples: { flag: ["«降血糖»"], pass: ["好吃"] }
"#,
    )
    .unwrap();
    let tied = dir.path().join("tied.txt");
    std::fs::write(&tied, "芒果干真的好吃，还能降血糖\n").unwrap();
    let untied = dir.path().join("untied.txt");
    std::fs::write(&untied, "真的好吃，还能降血糖\n").unwrap();
    let (_, r) = check_json(&[
        tied.to_str().unwrap(),
        untied.to_str().unwrap(),
        "--listings",
        "fixtures/listings/catalog.yaml",
        "--rules",
        pack.to_str().unwrap(),
    ]);
    let rule = "t/food-cure";
    assert_eq!(find(&r, tied.to_str().unwrap(), rule).len(), 1);
    assert!(find(&r, untied.to_str().unwrap(), rule).is_empty());
}

#[test]
fn listing_and_claim_rule_examples_run_in_rules_test() {
    let out = livelint()
        .args([
            "rules",
            "test",
            "rules/zh/listing-credentials.yaml",
            "rules/zh/claims.yaml",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("65 passed, 0 failed (23 rules)"),
        "{stdout}"
    );

    // A wrong expectation in a claim example fails: the examples really run.
    let dir = tempfile::tempdir().unwrap();
    let claims = std::fs::read_to_string("rules/zh/claims.yaml").unwrap();
    let broken = claims.replace("今天直播间«5折»！", "今天直播间«6.5折»！");
    assert_ne!(claims, broken);
    let p = dir.path().join("claims.yaml");
    std::fs::write(&p, broken).unwrap();
    let out = livelint().args(["rules", "test"]).arg(&p).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL zh-claims/discount-not-matching-listing"),
        "{stdout}"
    );
}

#[test]
fn bad_field_and_claim_rules_point_at_their_yaml_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.yaml");
    std::fs::write(
        &p,
        r#"pack: t
rules:
  - id: a
    title: t
    category: fake-discount
    severity: error
    law: ["x"]
    message: m
    help: h
    claim:
      check: reference-prize
    examples: { listing: "{id: p}", flag: ["«原价1»"], pass: ["x"] }
  - id: b
    title: t
    category: missing-credentials
    severity: error
    law: ["x"]
    message: m
    help: h
    field: { path: credentials.qs, required: true }
    examples: { flag: ["{id: «p»}"], pass: ["{id: p}"] }
"#,
    )
    .unwrap();
    let out = livelint()
        .args(["rules", "list", "--no-default-rules", "--rules"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:11:14: unknown check `reference-prize`"),
        "{err}"
    );
    assert!(
        err.contains("bad.yaml:20:20: unknown field path `credentials.qs`"),
        "{err}"
    );
}

#[test]
fn human_report_of_a_script_checked_against_its_listing() {
    let out = livelint()
        .args(["check", "fixtures/listings/live-1108.txt", "--listings"])
        .arg("fixtures/listings/shop.listing.yaml")
        .args(["--color", "never", "--no-timing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn walked_yaml_files_that_are_not_listings_are_skipped_silently() {
    let (code, r) = check_json(&["rules"]);
    assert_eq!(code, 0, "{:?}", errors(&r));
    assert!(errors(&r).is_empty());
    assert_eq!(r["summary"]["files"], 0);
}

#[test]
fn a_gb18030_listing_is_read_with_its_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/listings/catalog.yaml")
        .unwrap()
        .replace(
            "production-license: SC11445100200117",
            "production-license: QS4401",
        );
    let (bytes, _, bad) = encoding_rs::GB18030.encode(&text);
    assert!(!bad);
    let p = dir.path().join("gbk.listing.yaml");
    std::fs::write(&p, &bytes).unwrap();
    let (_, r) = check_json(&[p.to_str().unwrap(), "--encoding", "gb18030"]);
    let fs = find(
        &r,
        p.to_str().unwrap(),
        "zh-listing/production-license-format",
    );
    assert_eq!(fs.len(), 1, "{:?}", errors(&r));
    assert_eq!(fs[0]["matched"], "QS4401");
    assert_eq!(pos(fs[0]), (10, 27, 10, 33));
}

#[test]
fn listings_named_in_the_project_config_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    std::fs::write(
        dir.path().join(".livelint.yaml"),
        format!("listings: [{}]\n", root.join("fixtures/listings").display()),
    )
    .unwrap();
    std::fs::copy(
        "fixtures/listings/live-1108.txt",
        dir.path().join("live-1108.txt"),
    )
    .unwrap();
    let out = Command::cargo_bin("livelint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "live-1108.txt"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs = find(
        &r,
        "live-1108.txt",
        "zh-claims/reference-price-above-7-day-low",
    );
    assert_eq!(fs.len(), 1, "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(fs[0]["message"], "原价299元高于直播前7日最低成交价129元");
}

#[test]
fn a_claim_the_listing_answers_replaces_the_needs_evidence_warning() {
    // 4号链接 says 原价129, 今天89: its price history supports 129. With the listing, the cross-check has
    // answered and the text rule's "needs evidence" warning gives way (claim.supersedes); without it, it stays.
    let path = "fixtures/listings/live-1108.txt";
    let (_, tied) = check_json(&[path, "--listings", "fixtures/listings/shop.listing.yaml"]);
    assert!(find(&tied, path, "zh-price/reference-price").is_empty());
    assert_eq!(
        find(&tied, path, "zh-claims/reference-price-above-7-day-low").len(),
        1
    );
    let (_, alone) = check_json(&[path]);
    let warnings = find(&alone, path, "zh-price/reference-price");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(find(&alone, path, "zh-claims/reference-price-above-7-day-low").is_empty());
}
