//! Licences: canonical SPDX expressions, Hugging Face licence ids, the terms of common licences,
//! and a checker of the licences that reach a model version against an intended use.
//!
//! # Canonical form
//!
//! A registration gives a licence as a string (the *raw* licence). [`canonicalize`] turns it into
//! the canonical SPDX expression stored beside it:
//!
//! 1. A string that parses as an SPDX expression under the strict rules of the `spdx` crate
//!    (identifiers from the SPDX licence list, case-sensitive; no deprecated identifiers;
//!    `LicenseRef-…`, `DocumentRef-…:LicenseRef-…` and `AdditionRef-…` allowed) is kept as it is
//!    parsed.
//! 2. Otherwise every licence term is mapped on its own: a Hugging Face id with no SPDX
//!    identifier (see [`HUGGING_FACE_ONLY`]) becomes its `LicenseRef-…`; any other term must match
//!    an SPDX identifier *exactly, ignoring ASCII case* (`apache-2.0` → `Apache-2.0`,
//!    `bsd-3-clause` → `BSD-3-Clause`; never a fuzzy match). Deprecated GNU identifiers become
//!    their explicit form (`gpl-3.0` → `GPL-3.0-only`, `GPL-2.0+` → `GPL-2.0-or-later`), which
//!    is what SPDX says they meant; other deprecated identifiers are refused. Operators may be
//!    written in any case; exceptions after `WITH` are matched like licences.
//! 3. The expression is written back with single spaces, upper-case operators and the fewest
//!    parentheses that keep its structure (`AND` binds tighter than `OR`). Canonicalising a
//!    canonical expression gives it back unchanged.
//!
//! The licence list compiled into the `spdx` crate (SPDX list 3.29.0 for `spdx` 0.13.6) decides
//! which registrations are valid, so the crate is pinned exactly and upgrading it is a hard fork.
//!
//! # Terms and conflicts
//!
//! [`terms_of`] looks up what a licence allows in [`LICENCE_TABLE`]; anything not in the table
//! (including `LicenseRef-other` and `LicenseRef-unknown`) has unknown terms, which the checker
//! reports as a conflict rather than assuming it permissive. [`check_licences`] evaluates every
//! licence reaching a model version (its own, its ancestors', its datasets') against an
//! [`IntendedUse`]: `OR` lets the user pick the alternative with the fewest conflicts, `AND`
//! applies every term, and `WITH` exceptions are reported as obligations to read.

mod check;
mod table;

pub use check::{
    Conflict, ConflictKind, IntendedUse, LicenceReport, LicenceSource, Obligation, ObligationKind,
    Role, SourceLicence, check_licences,
};
pub use table::{Commercial, LICENCE_TABLE, LicenceTerms, ShareAlike, terms_of, terms_of_id};

use spdx::{
    Expression,
    expression::{ExprNode, Operator},
    flags,
    identifiers::{EXCEPTIONS, LICENSES},
};
use thiserror::Error;

/// Longest raw licence string a registration may give, in bytes.
pub const MAX_RAW_LEN: usize = 512;
/// Longest canonical licence expression, in bytes.
pub const MAX_EXPRESSION_LEN: usize = 1024;
/// Most licence terms (requirements) in one expression.
pub const MAX_TERMS: usize = 32;

/// Hugging Face licence ids that have no SPDX identifier, and the `LicenseRef-…` each maps to.
///
/// The reference is `LicenseRef-` followed by the id, except for `openrail++`, whose `+` is not
/// allowed in a `LicenseRef` (`LicenseRef-openrail-pp`). Ids the Hub uses for a family of
/// licences without a version (`bsd`, `cc`, `gpl`, `lgpl`, `gfdl`, `odbl`, `odc-by`, `pddl`) are
/// kept as references too rather than guessed to one version.
pub const HUGGING_FACE_ONLY: &[(&str, &str)] = &[
    ("apple-amlr", "LicenseRef-apple-amlr"),
    ("apple-ascl", "LicenseRef-apple-ascl"),
    ("bigcode-openrail-m", "LicenseRef-bigcode-openrail-m"),
    (
        "bigscience-bloom-rail-1.0",
        "LicenseRef-bigscience-bloom-rail-1.0",
    ),
    ("bigscience-openrail-m", "LicenseRef-bigscience-openrail-m"),
    ("bsd", "LicenseRef-bsd"),
    ("c-uda", "LicenseRef-c-uda"),
    ("cc", "LicenseRef-cc"),
    ("creativeml-openrail-m", "LicenseRef-creativeml-openrail-m"),
    ("deepfloyd-if-license", "LicenseRef-deepfloyd-if-license"),
    (
        "fair-noncommercial-research-license",
        "LicenseRef-fair-noncommercial-research-license",
    ),
    ("gemma", "LicenseRef-gemma"),
    ("gfdl", "LicenseRef-gfdl"),
    ("gpl", "LicenseRef-gpl"),
    ("h-research", "LicenseRef-h-research"),
    ("intel-research", "LicenseRef-intel-research"),
    ("lgpl", "LicenseRef-lgpl"),
    ("lgpl-lr", "LicenseRef-lgpl-lr"),
    ("llama2", "LicenseRef-llama2"),
    ("llama3", "LicenseRef-llama3"),
    ("llama3.1", "LicenseRef-llama3.1"),
    ("llama3.2", "LicenseRef-llama3.2"),
    ("llama3.3", "LicenseRef-llama3.3"),
    ("llama4", "LicenseRef-llama4"),
    ("odbl", "LicenseRef-odbl"),
    ("odc-by", "LicenseRef-odc-by"),
    ("openrail", "LicenseRef-openrail"),
    ("openrail++", "LicenseRef-openrail-pp"),
    ("other", "LicenseRef-other"),
    ("pddl", "LicenseRef-pddl"),
    ("unknown", "LicenseRef-unknown"),
];

/// Why a licence string cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LicenceError {
    /// Nothing but whitespace.
    #[error("the licence is empty")]
    Empty,
    /// Longer than [`MAX_RAW_LEN`], or canonical form longer than [`MAX_EXPRESSION_LEN`].
    #[error("the licence is {len} bytes, more than the limit of {max}")]
    TooLong {
        /// Length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A term is neither an SPDX licence identifier (ignoring case), a Hugging Face licence id,
    /// nor a `LicenseRef-…`.
    #[error(
        "unknown licence {0:?}: not an SPDX identifier, a Hugging Face licence id or a LicenseRef-…"
    )]
    UnknownLicence(String),
    /// A term after `WITH` is not an SPDX exception identifier or an `AdditionRef-…`.
    #[error("unknown licence exception {0:?}")]
    UnknownException(String),
    /// A deprecated SPDX identifier with no explicit replacement.
    #[error("{0:?} is a deprecated SPDX identifier; use its current form")]
    Deprecated(String),
    /// The expression does not parse (operators, parentheses, `+`).
    #[error("malformed licence expression {expression:?}: {reason}")]
    Malformed {
        /// The expression as given.
        expression: String,
        /// What the parser found.
        reason: String,
    },
    /// More than [`MAX_TERMS`] licence terms.
    #[error("the licence expression has {got} terms, more than the limit of {max}")]
    TooManyTerms {
        /// Terms in the expression.
        got: usize,
        /// The limit.
        max: usize,
    },
}

impl LicenceError {
    /// A stable, machine-readable name for the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "LICENCE_EMPTY",
            Self::TooLong { .. } => "LICENCE_TOO_LONG",
            Self::UnknownLicence(_) => "LICENCE_UNKNOWN",
            Self::UnknownException(_) => "LICENCE_UNKNOWN_EXCEPTION",
            Self::Deprecated(_) => "LICENCE_DEPRECATED",
            Self::Malformed { .. } => "LICENCE_MALFORMED",
            Self::TooManyTerms { .. } => "LICENCE_TOO_MANY_TERMS",
        }
    }
}

/// The canonical SPDX expression of a licence string (see the [module docs](self)).
pub fn canonicalize(raw: &str) -> Result<String, LicenceError> {
    if raw.len() > MAX_RAW_LEN {
        return Err(LicenceError::TooLong {
            len: raw.len(),
            max: MAX_RAW_LEN,
        });
    }
    if raw.trim().is_empty() {
        return Err(LicenceError::Empty);
    }
    let expression = match Expression::parse(raw) {
        Ok(expression) => expression,
        Err(_) => {
            let mapped = map_terms(raw)?;
            Expression::parse(&mapped).map_err(|error| LicenceError::Malformed {
                expression: raw.to_owned(),
                reason: error.reason.to_string(),
            })?
        }
    };
    let terms = expression.requirements().count();
    if terms > MAX_TERMS {
        return Err(LicenceError::TooManyTerms {
            got: terms,
            max: MAX_TERMS,
        });
    }
    let canonical = render(&expression);
    if canonical.len() > MAX_EXPRESSION_LEN {
        return Err(LicenceError::TooLong {
            len: canonical.len(),
            max: MAX_EXPRESSION_LEN,
        });
    }
    Ok(canonical)
}

/// Parses a canonical expression (as stored in a record).
pub fn parse(expression: &str) -> Result<Expression, LicenceError> {
    Expression::parse(expression).map_err(|error| LicenceError::Malformed {
        expression: expression.to_owned(),
        reason: error.reason.to_string(),
    })
}

/// The SPDX identifier or `LicenseRef-…` of one Hugging Face licence id (`license:` in a model
/// card), e.g. `apache-2.0` → `Apache-2.0`, `llama3.1` → `LicenseRef-llama3.1`.
pub fn from_hugging_face(id: &str) -> Result<String, LicenceError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(LicenceError::Empty);
    }
    if id.contains(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        return Err(LicenceError::UnknownLicence(id.to_owned()));
    }
    map_licence(id)
}

/// The Hugging Face id of a canonical licence term, if the Hub has one: the inverse of
/// [`from_hugging_face`] (SPDX identifiers are lower-cased; deprecated GNU forms are not restored).
pub fn to_hugging_face(term: &str) -> Option<String> {
    if let Some((id, _)) = HUGGING_FACE_ONLY.iter().find(|(_, r)| *r == term) {
        return Some((*id).to_owned());
    }
    spdx::license_id(term).map(|id| id.name.to_ascii_lowercase())
}

/// Splits a licence string into words and parentheses and maps each licence term.
fn map_terms(raw: &str) -> Result<String, LicenceError> {
    let mut out: Vec<String> = Vec::new();
    let mut after_with = false;
    for token in tokens(raw) {
        let mapped = match token {
            "(" | ")" => token.to_owned(),
            _ if token.eq_ignore_ascii_case("AND") => "AND".to_owned(),
            _ if token.eq_ignore_ascii_case("OR") => "OR".to_owned(),
            _ if token.eq_ignore_ascii_case("WITH") => {
                out.push("WITH".to_owned());
                after_with = true;
                continue;
            }
            _ if after_with => map_exception(token)?,
            _ => map_licence(token)?,
        };
        after_with = false;
        out.push(mapped);
    }
    Ok(out.join(" "))
}

fn tokens(raw: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (at, c) in raw.char_indices() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if let Some(begin) = start.take() {
                tokens.push(&raw[begin..at]);
            }
            if c == '(' || c == ')' {
                tokens.push(&raw[at..at + 1]);
            }
        } else if start.is_none() {
            start = Some(at);
        }
    }
    if let Some(begin) = start {
        tokens.push(&raw[begin..]);
    }
    tokens
}

fn map_licence(word: &str) -> Result<String, LicenceError> {
    if word.starts_with("LicenseRef-") || word.starts_with("DocumentRef-") {
        return Ok(word.to_owned());
    }
    if let Some((_, reference)) = HUGGING_FACE_ONLY
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(word))
    {
        return Ok((*reference).to_owned());
    }
    if let Some(licence) = spdx_licence(word) {
        return current_form(licence.name, licence.flags, false);
    }
    if let Some(stem) = word.strip_suffix('+')
        && let Some(licence) = spdx_licence(stem)
    {
        return current_form(licence.name, licence.flags, true);
    }
    Err(LicenceError::UnknownLicence(word.to_owned()))
}

fn map_exception(word: &str) -> Result<String, LicenceError> {
    if word.starts_with("AdditionRef-") || word.starts_with("DocumentRef-") {
        return Ok(word.to_owned());
    }
    EXCEPTIONS
        .iter()
        .find(|exception| exception.name.eq_ignore_ascii_case(word))
        .map(|exception| exception.name.to_owned())
        .ok_or_else(|| LicenceError::UnknownException(word.to_owned()))
}

/// The SPDX licence whose identifier equals `word` ignoring ASCII case. No two identifiers on
/// the list differ only in case (a test checks it), so the match is unique.
fn spdx_licence(word: &str) -> Option<&'static spdx::License> {
    LICENSES
        .iter()
        .find(|licence| licence.name.eq_ignore_ascii_case(word))
}

/// A current (non-deprecated) spelling of an SPDX identifier, `or_later` if a `+` followed it.
fn current_form(name: &str, flags: flags::Type, or_later: bool) -> Result<String, LicenceError> {
    let deprecated = flags & flags::IS_DEPRECATED != 0;
    let gnu = flags & flags::IS_GNU != 0;
    if !deprecated {
        return Ok(if or_later {
            format!("{name}+")
        } else {
            name.to_owned()
        });
    }
    if gnu {
        let replacement = match name.strip_suffix('+') {
            Some(stem) => format!("{stem}-or-later"),
            None if or_later => format!("{name}-or-later"),
            None => format!("{name}-only"),
        };
        if spdx::license_id(&replacement).is_some_and(|id| !id.is_deprecated()) {
            return Ok(replacement);
        }
    }
    Err(LicenceError::Deprecated(name.to_owned()))
}

/// Writes a parsed expression in canonical form.
fn render(expression: &Expression) -> String {
    render_nodes(expression, |req| req.to_string())
}

/// Folds the postfix nodes of `expression` into infix text, with `leaf` giving each
/// requirement's text. Parentheses are added only around an `OR` operand of an `AND`.
pub(crate) fn render_nodes(
    expression: &Expression,
    mut leaf: impl FnMut(&spdx::LicenseReq) -> String,
) -> String {
    let mut stack: Vec<(String, Option<Operator>)> = Vec::new();
    for node in expression.iter() {
        match node {
            ExprNode::Req(req) => stack.push((leaf(&req.req), None)),
            ExprNode::Op(op) => {
                let right = stack.pop().expect("a parsed expression is well formed");
                let left = stack.pop().expect("a parsed expression is well formed");
                stack.push((join(left, *op, right), Some(*op)));
            }
        }
    }
    stack.pop().map(|(text, _)| text).unwrap_or_default()
}

/// `left op right`, parenthesising an `OR` operand of an `AND`.
pub(crate) fn join(
    left: (String, Option<Operator>),
    op: Operator,
    right: (String, Option<Operator>),
) -> String {
    let wrap = |(text, top): (String, Option<Operator>)| {
        if op == Operator::And && top == Some(Operator::Or) {
            format!("({text})")
        } else {
            text
        }
    };
    let op = match op {
        Operator::And => "AND",
        Operator::Or => "OR",
    };
    format!("{} {op} {}", wrap(left), wrap(right))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strict_expressions_are_kept() {
        for (raw, canonical) in [
            ("MIT", "MIT"),
            ("Apache-2.0 OR MIT", "Apache-2.0 OR MIT"),
            (
                "Apache-2.0 WITH LLVM-exception",
                "Apache-2.0 WITH LLVM-exception",
            ),
            ("LicenseRef-llama3.1", "LicenseRef-llama3.1"),
            (
                "(MIT OR Apache-2.0) AND BSD-3-Clause",
                "(MIT OR Apache-2.0) AND BSD-3-Clause",
            ),
            ("((MIT))", "MIT"),
            ("MIT  and   (Apache-2.0)", "MIT AND Apache-2.0"),
            (
                "MIT OR (Apache-2.0 AND BSD-2-Clause)",
                "MIT OR Apache-2.0 AND BSD-2-Clause",
            ),
            ("GPL-3.0-or-later", "GPL-3.0-or-later"),
        ] {
            assert_eq!(canonicalize(raw).as_deref(), Ok(canonical), "{raw}");
        }
    }

    #[test]
    fn hugging_face_ids_map_exactly() {
        for (raw, canonical) in [
            ("apache-2.0", "Apache-2.0"),
            ("mit", "MIT"),
            // Not BSD-2-Clause, as spdx's imprecise matching would have it.
            ("bsd-3-clause", "BSD-3-Clause"),
            ("bsd-2-clause", "BSD-2-Clause"),
            ("bsd-3-clause-clear", "BSD-3-Clause-Clear"),
            ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0"),
            ("cc0-1.0", "CC0-1.0"),
            ("etalab-2.0", "etalab-2.0"),
            ("openmdw-1.0", "OpenMDW-1.0"),
            ("gpl-3.0", "GPL-3.0-only"),
            ("gpl-2.0", "GPL-2.0-only"),
            ("agpl-3.0", "AGPL-3.0-only"),
            ("lgpl-2.1", "LGPL-2.1-only"),
            ("GPL-2.0+", "GPL-2.0-or-later"),
            ("gpl-3.0+", "GPL-3.0-or-later"),
            ("llama3.1", "LicenseRef-llama3.1"),
            ("Llama2", "LicenseRef-llama2"),
            ("gemma", "LicenseRef-gemma"),
            ("openrail++", "LicenseRef-openrail-pp"),
            ("creativeml-openrail-m", "LicenseRef-creativeml-openrail-m"),
            ("other", "LicenseRef-other"),
            ("unknown", "LicenseRef-unknown"),
            ("apache-2.0 or mit", "Apache-2.0 OR MIT"),
            (
                "(mit OR gpl-3.0) and cc-by-4.0",
                "(MIT OR GPL-3.0-only) AND CC-BY-4.0",
            ),
            (
                "apache-2.0 with llvm-exception",
                "Apache-2.0 WITH LLVM-exception",
            ),
        ] {
            assert_eq!(canonicalize(raw).as_deref(), Ok(canonical), "{raw}");
        }
    }

    #[test]
    fn bad_licences_are_named() {
        assert_eq!(canonicalize(""), Err(LicenceError::Empty));
        assert_eq!(canonicalize("   "), Err(LicenceError::Empty));
        assert_eq!(
            canonicalize("apache"),
            Err(LicenceError::UnknownLicence("apache".into()))
        );
        assert_eq!(
            canonicalize("MIT OR nope"),
            Err(LicenceError::UnknownLicence("nope".into()))
        );
        assert_eq!(
            canonicalize("MIT WITH nope-exception"),
            Err(LicenceError::UnknownException("nope-exception".into()))
        );
        assert!(matches!(
            canonicalize("MIT OR"),
            Err(LicenceError::Malformed { .. })
        ));
        assert!(matches!(
            canonicalize("(MIT"),
            Err(LicenceError::Malformed { .. })
        ));
        assert!(matches!(
            canonicalize("MIT Apache-2.0"),
            Err(LicenceError::Malformed { .. })
        ));
        assert!(matches!(
            canonicalize("bsd-2-clause-freebsd"),
            Err(LicenceError::Deprecated(_))
        ));
        assert_eq!(
            canonicalize(&"M".repeat(MAX_RAW_LEN + 1)),
            Err(LicenceError::TooLong {
                len: MAX_RAW_LEN + 1,
                max: MAX_RAW_LEN
            })
        );
        let many = vec!["MIT"; MAX_TERMS + 1].join(" AND ");
        assert_eq!(
            canonicalize(&many),
            Err(LicenceError::TooManyTerms {
                got: MAX_TERMS + 1,
                max: MAX_TERMS
            })
        );
        assert!(canonicalize("mit/apache-2.0").is_err(), "no lax `/` for OR");
    }

    #[test]
    fn no_two_spdx_identifiers_differ_only_in_case() {
        let mut lower: Vec<String> = LICENSES
            .iter()
            .map(|licence| licence.name.to_ascii_lowercase())
            .collect();
        lower.sort();
        let before = lower.len();
        lower.dedup();
        assert_eq!(lower.len(), before);
        let mut lower: Vec<String> = EXCEPTIONS
            .iter()
            .map(|exception| exception.name.to_ascii_lowercase())
            .collect();
        lower.sort();
        let before = lower.len();
        lower.dedup();
        assert_eq!(lower.len(), before);
    }

    #[test]
    fn hugging_face_only_ids_are_not_spdx_ids_and_map_to_parseable_references() {
        for (id, reference) in HUGGING_FACE_ONLY {
            assert!(spdx_licence(id).is_none(), "{id} is an SPDX id");
            assert_eq!(id.to_ascii_lowercase(), *id);
            assert_eq!(canonicalize(id).as_deref(), Ok(*reference), "{id}");
            assert_eq!(canonicalize(reference).as_deref(), Ok(*reference));
            assert_eq!(to_hugging_face(reference).as_deref(), Some(*id));
        }
        assert_eq!(to_hugging_face("Apache-2.0").as_deref(), Some("apache-2.0"));
        assert_eq!(from_hugging_face("apache-2.0").as_deref(), Ok("Apache-2.0"));
        assert!(from_hugging_face("mit or apache-2.0").is_err());
    }

    fn arb_term() -> impl Strategy<Value = String> {
        let ids = [
            "MIT",
            "apache-2.0",
            "Apache-2.0",
            "bsd-3-clause",
            "CC-BY-NC-4.0",
            "gpl-3.0",
            "GPL-2.0-or-later",
            "llama3",
            "openrail++",
            "LicenseRef-x.1",
            "Apache-2.0 WITH LLVM-exception",
            "mit+",
        ];
        proptest::sample::select(ids.to_vec()).prop_map(str::to_owned)
    }

    fn arb_raw() -> impl Strategy<Value = String> {
        arb_term().prop_recursive(4, 16, 2, |inner| {
            (
                inner.clone(),
                proptest::sample::select(vec!["AND", "OR", "and", "or"]),
                inner,
                any::<bool>(),
            )
                .prop_map(|(a, op, b, parens)| {
                    if parens {
                        format!("({a}) {op} ({b})")
                    } else {
                        format!("{a} {op} {b}")
                    }
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The canonical form is a fixed point, parses strictly and keeps the expression's
        /// meaning (its requirements in order).
        #[test]
        fn canonical_form_is_idempotent(raw in arb_raw()) {
            let canonical = canonicalize(&raw).expect("valid");
            let again = canonicalize(&canonical);
            prop_assert_eq!(again.as_deref(), Ok(canonical.as_str()));
            let parsed = parse(&canonical).expect("strict");
            let again = parse(&map_terms(&raw).expect("maps")).expect("strict");
            let reqs = |e: &Expression| e.requirements().map(|r| r.req.to_string()).collect::<Vec<_>>();
            prop_assert_eq!(reqs(&parsed), reqs(&again));
        }

        /// Sequences of real tokens (operators, parentheses, `+`, identifiers, exceptions and
        /// references, in any order) reach deep into the parser; none may panic, and whatever
        /// is accepted is canonical on the second pass.
        #[test]
        fn token_soup_never_panics(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "MIT", "mit", "AND", "or", "With", "WITH", "(", ")", "+", "MIT+",
                    "GPL-2.0", "gpl-2.0+", "GPL-3.0-only+", "LLVM-exception", "llvm-exception",
                    "LicenseRef-a", "DocumentRef-d:LicenseRef-b", "AdditionRef-c", "openrail++",
                    "other", "LicenseRef-", "é", ":", "Apache-2.0",
                ]),
                0..12,
            ),
            spaced in any::<bool>(),
        ) {
            let raw = words.join(if spaced { " " } else { "" });
            if let Ok(canonical) = canonicalize(&raw) {
                let again = canonicalize(&canonical);
                prop_assert_eq!(again.as_deref(), Ok(canonical.as_str()));
            }
        }

        #[test]
        fn canonicalize_never_panics_on_unicode(raw in "\\PC{0,60}") {
            if let Ok(canonical) = canonicalize(&raw) {
                let again = canonicalize(&canonical);
                prop_assert_eq!(again.as_deref(), Ok(canonical.as_str()));
            }
        }

        #[test]
        fn canonicalize_never_panics(raw in "[ -~]{0,80}") {
            if let Ok(canonical) = canonicalize(&raw) {
                let again = canonicalize(&canonical);
                prop_assert_eq!(again.as_deref(), Ok(canonical.as_str()));
            }
        }
    }
}
