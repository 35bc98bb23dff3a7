//! Context filters: a keyword or regex hit becomes a finding only if no `unless` condition of its rule holds.
//! These are what keep a rule quiet on 最近, 第一次 and 不得虚构“全网最低价”.

use super::{Hit, Role};

/// How far back, in characters, an `after` word may stand in the same clause.
pub const AFTER_WINDOW: usize = 24;

/// Characters that end a clause in normalized text (full-width punctuation is folded to ASCII by then).
pub fn is_clause_end(c: char) -> bool {
    matches!(c, '。' | '!' | '?' | ';' | ',' | '\n' | '…' | '．' | '｡') || c == '.'
}

/// True when `ctx` contains a phrase that covers the candidate (最近 covers 最, 第一次 covers 第一).
pub fn inside(cand: &Hit, ctx: &[Hit]) -> bool {
    ctx.iter()
        .any(|h| h.role == Role::Inside && h.start <= cand.start && cand.end <= h.end)
}

/// True when an `after` word stands before the candidate in the same clause (不得虚构“全网最低价”).
pub fn after(text: &str, cand: &Hit, ctx: &[Hit]) -> bool {
    ctx.iter().any(|h| {
        h.role == Role::After
            && h.end <= cand.start
            && text.get(h.end..cand.start).is_some_and(|gap| {
                let mut n = 0;
                for c in gap.chars() {
                    n += 1;
                    if n > AFTER_WINDOW || is_clause_end(c) {
                        return false;
                    }
                }
                true
            })
    })
}

/// True when a `near` phrase stands within `window` characters of the candidate, on either side.
pub fn near(text: &str, cand: &Hit, ctx: &[Hit], window: usize) -> bool {
    ctx.iter().any(|h| {
        if h.role != Role::Near {
            return false;
        }
        let gap = if h.end <= cand.start {
            text.get(h.end..cand.start)
        } else if h.start >= cand.end {
            text.get(cand.end..h.start)
        } else {
            return true;
        };
        gap.is_some_and(|g| g.chars().take(window + 1).count() <= window)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(role: Role, text: &str, needle: &str) -> Hit {
        let start = text.find(needle).unwrap();
        Hit {
            rule: 0,
            role,
            start,
            end: start + needle.len(),
        }
    }

    #[test]
    fn after_stops_at_clause_end() {
        let t = "不得虚构“全网最低价”";
        assert!(after(
            t,
            &hit(Role::Match, t, "全网最低价"),
            &[hit(Role::After, t, "不得")]
        ));
        let t = "这个不能说,但效果全网最好";
        assert!(!after(
            t,
            &hit(Role::Match, t, "全网最好"),
            &[hit(Role::After, t, "不能说")]
        ));
    }

    #[test]
    fn inside_needs_cover() {
        let t = "最近好多家人们问";
        assert!(inside(
            &hit(Role::Match, t, "最"),
            &[hit(Role::Inside, t, "最近")]
        ));
        assert!(!inside(
            &hit(Role::Match, t, "家人"),
            &[hit(Role::Inside, t, "最近")]
        ));
    }

    #[test]
    fn near_counts_characters() {
        let t = "据统计回购率最高";
        let c = hit(Role::Match, t, "最高");
        assert!(near(t, &c, &[hit(Role::Near, t, "据统计")], 3));
        assert!(!near(t, &c, &[hit(Role::Near, t, "据统计")], 2));
    }
}
