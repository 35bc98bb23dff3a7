//! livelint audits live-commerce (直播带货) sales scripts, transcripts and product listings against rule packs
//! grounded in the regulations (广告法, 网络直播营销管理办法, 明码标价和禁止价格欺诈规定 ...), and reports each
//! violation with its source span, the law it breaks and how to fix it.
//!
//! Data flows one way: source -> normalized text with an offset map -> one keyword pass, and the regexes
//! where its literals allow -> context filters -> [`Finding`]s with spans in the original text -> sorted -> reporter.
//!
//! ```
//! use std::sync::Arc;
//! use livelint::{Engine, RuleSet, ScanContext};
//!
//! let rules = RuleSet::from_sources(&livelint::rules::pack::embedded()).unwrap();
//! let engine = Engine::new(Arc::new(rules)).unwrap();
//! let findings = engine
//!     .scan_text("这是全网最好的面霜\n最近好多家人们问", &ScanContext::default())
//!     .unwrap();
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].matched, "最好");
//! assert_eq!((findings[0].start.line, findings[0].start.column), (1, 5));
//! ```

pub mod adapt;
pub mod app;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod eval;
pub mod examples;
pub mod finding;
pub mod hook;
pub mod normalize;
pub mod placement;
pub mod prefetch;
pub mod report;
pub mod rules;
pub mod source;
pub mod staged;
pub mod stream;
pub mod suppress;
pub mod walk;
pub mod workflow;

pub use engine::{Engine, ScanContext};
pub use error::{AppError, InputError, RuleError};
pub use finding::{Category, Finding, LineCol, RuleMeta, Severity, TimeRange};
pub use rules::RuleSet;
