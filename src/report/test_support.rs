//! A fixed report for the reporters' unit tests: CJK text, astral-plane characters, all three severities, a
//! transcript finding with a cue time, an input error and a skipped file.

use std::sync::Arc;

use super::{FileReport, Report, Skipped, Summary};
use crate::error::InputError;
use crate::finding::{locate_all, Category, Finding, LineCol, RuleMeta, Severity, TimeRange};

/// Text of the script in the sample: line 2 starts with two astral-plane emoji (two UTF-16 units each).
pub const SCRIPT: &str = "家人们晚上好！\n🔥🔥这是全网最好的面霜，100%有效\n";
/// Text of the transcript in the sample: line 1 starts with U+20000 (CJK Extension B, astral plane).
pub const TRANSCRIPT: &str = "𠀀国货NO.1\n";

fn rule(
    id: &str,
    title: &str,
    category: Category,
    severity: Severity,
    law: &[&str],
    help: &str,
) -> Arc<RuleMeta> {
    Arc::new(RuleMeta {
        id: id.into(),
        title: title.into(),
        category,
        severity,
        law: law.iter().map(|s| s.to_string()).collect(),
        help: help.into(),
    })
}

fn finding(
    text: &str,
    rule: &Arc<RuleMeta>,
    severity: Severity,
    needle: &str,
    message: &str,
) -> Finding {
    let start = text.find(needle).unwrap();
    let end = start + needle.len();
    let mut a = LineCol::default();
    let mut b = LineCol::default();
    locate_all(text, &mut [(start, &mut a), (end, &mut b)]);
    Finding {
        rule: Arc::clone(rule),
        severity,
        span: start..end,
        matched: needle.into(),
        message: message.replace("{matched}", needle),
        start: a,
        end: b,
        time: None,
    }
}

/// The fixed report.
pub fn sample_report() -> Report {
    let superlative = rule(
        "zh-ad-law/absolute-superlatives",
        "绝对化用语（最-）",
        Category::AbsoluteTerms,
        Severity::Error,
        &["广告法 第九条第三项", "广告法 第五十七条"],
        "用可证实的具体描述代替。",
    );
    let efficacy = rule(
        "test/efficacy",
        "功效: 需要证据",
        Category::ExaggeratedEfficacy,
        Severity::Warning,
        &["广告法 第四条"],
        "写明依据, 例如检测报告: 编号",
    );
    let first = rule(
        "zh-ad-law/absolute-first-only",
        "绝对化用语（第一、唯一、首-）",
        Category::AbsoluteTerms,
        Severity::Error,
        &["广告法 第九条第三项"],
        "删除无法证实的排名。",
    );
    let script = FileReport {
        path: "scripts/a.txt".into(),
        source: Some(Arc::from(SCRIPT)),
        findings: vec![
            finding(
                SCRIPT,
                &superlative,
                Severity::Error,
                "最好",
                "绝对化用语「{matched}」",
            ),
            finding(
                SCRIPT,
                &efficacy,
                Severity::Warning,
                "100%有效",
                "功效承诺「{matched}」",
            ),
        ],
    };
    let mut cue = finding(
        TRANSCRIPT,
        &first,
        Severity::Info,
        "NO.1",
        "绝对化用语「{matched}」",
    );
    cue.time = Some(TimeRange {
        start_ms: 723_400,
        end_ms: 725_100,
    });
    let transcript = FileReport {
        path: "live/回放 1.srt".into(),
        source: Some(Arc::from(TRANSCRIPT)),
        findings: vec![cue],
    };
    let mut report = Report {
        files: vec![transcript, script],
        errors: vec![InputError {
            path: "scripts/gone.txt".into(),
            message: "cannot read: not found".into(),
        }],
        skipped: vec![Skipped {
            path: "scripts/logo.txt".into(),
            reason: "binary file".into(),
        }],
        summary: Summary {
            files: 2,
            bytes: (SCRIPT.len() + TRANSCRIPT.len()) as u64,
            ..Summary::default()
        },
    };
    report.recount();
    report
}
