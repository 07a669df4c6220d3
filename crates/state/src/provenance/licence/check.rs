//! The licence checker: every licence reaching a model version against an intended use.

use super::{
    join, parse,
    table::{Commercial, LicenceTerms, ShareAlike, terms_of},
};
use ailedger_core::Hash;
use spdx::{
    Expression,
    expression::{ExprNode, Operator},
};
use std::collections::{BTreeMap, BTreeSet};

/// What the user means to do with a model version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntendedUse {
    /// Use in or for a business: a paid product or service, or internal commercial work.
    pub commercial: bool,
    /// Share the weights (or weights derived from them) with others.
    pub redistribute_weights: bool,
    /// Fine-tune, adapt, merge, quantise or distil the version into a new model.
    pub create_derivatives: bool,
}

/// Why a licence reaches the version being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The version's own licence.
    Own,
    /// The licence of an ancestor version, `depth` parent edges up (1 = a direct parent).
    Ancestor {
        /// Parent edges between the version and the ancestor (the shortest path).
        depth: u32,
    },
    /// The licence of a dataset the version or one of its ancestors was trained on.
    Dataset,
}

/// The record a licence comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceSource {
    /// Why it reaches the version.
    pub role: Role,
    /// The record: a model version id or a dataset id (its root).
    pub id: Hash,
    /// A human label: `model@version` for a version, the dataset's name for a dataset.
    pub label: String,
}

/// One source's licence, and the alternative the checker chose where it offers a choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLicence {
    /// Where it comes from.
    pub source: LicenceSource,
    /// The canonical expression registered.
    pub expression: String,
    /// The terms that apply after choosing, for each `OR`, the alternative with the fewest
    /// conflicts (then the fewest obligations; the left one on a tie).
    pub chosen: String,
}

/// What kind of conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConflictKind {
    /// Commercial use of non-commercial material.
    NonCommercial,
    /// Redistribution of weights the licence does not allow to share.
    NoRedistribution,
    /// Sharing an adaptation of no-derivatives material.
    NoDerivatives,
    /// Sharing a derivative of share-alike material under a licence that is not the same.
    ShareAlike,
    /// The licence's terms are unknown (not in the table, `other`, `unknown`): review them.
    UnknownTerms,
}

impl ConflictKind {
    /// A stable, machine-readable name.
    pub fn code(self) -> &'static str {
        match self {
            Self::NonCommercial => "NON_COMMERCIAL",
            Self::NoRedistribution => "NO_REDISTRIBUTION",
            Self::NoDerivatives => "NO_DERIVATIVES",
            Self::ShareAlike => "SHARE_ALIKE",
            Self::UnknownTerms => "UNKNOWN_TERMS",
        }
    }
}

/// A licence term that forbids the intended use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Where the licence comes from.
    pub source: LicenceSource,
    /// The licence term (e.g. `CC-BY-NC-4.0`).
    pub licence: String,
    /// What kind of conflict.
    pub kind: ConflictKind,
    /// Why, in plain words.
    pub reason: String,
}

/// What kind of obligation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObligationKind {
    /// Credit the licensor and keep the licence notices.
    Attribution,
    /// Shared derivatives must stay under the same licence.
    ShareAlike,
    /// Use-based restrictions apply and must be passed on.
    UseRestrictions,
    /// Commercial use is allowed only under a condition.
    CommercialCondition,
    /// A licence exception (`WITH`) changes the terms: read it.
    Exception,
    /// Another notable term.
    Note,
}

impl ObligationKind {
    /// A stable, machine-readable name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Attribution => "ATTRIBUTION",
            Self::ShareAlike => "SHARE_ALIKE",
            Self::UseRestrictions => "USE_RESTRICTIONS",
            Self::CommercialCondition => "COMMERCIAL_CONDITION",
            Self::Exception => "EXCEPTION",
            Self::Note => "NOTE",
        }
    }
}

/// Something the user must do to use the version as intended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    /// Where the licence comes from.
    pub source: LicenceSource,
    /// The licence term.
    pub licence: String,
    /// What kind of obligation.
    pub kind: ObligationKind,
    /// What to do, in plain words.
    pub text: String,
}

/// Every licence reaching a model version, checked against an intended use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceReport {
    /// The use checked.
    pub intended_use: IntendedUse,
    /// Every source's licence, in the order given (the version's own first).
    pub licences: Vec<SourceLicence>,
    /// Conflicts with the intended use.
    pub conflicts: Vec<Conflict>,
    /// Obligations (attribution, share-alike, use restrictions, conditions).
    pub obligations: Vec<Obligation>,
}

impl LicenceReport {
    /// Whether nothing conflicts with the intended use.
    pub fn is_clear(&self) -> bool {
        self.conflicts.is_empty()
    }

    /// The obligations of one kind (e.g. the attribution list).
    pub fn obligations_of(&self, kind: ObligationKind) -> impl Iterator<Item = &Obligation> {
        self.obligations.iter().filter(move |o| o.kind == kind)
    }
}

/// Checks every licence reaching a model version against an intended use.
///
/// `sources` are the licences with where they come from; at most one has [`Role::Own`] (the
/// version's own licence, used to judge share-alike compatibility). Expressions that do not
/// parse have unknown terms.
pub fn check_licences(sources: &[(LicenceSource, String)], use_: &IntendedUse) -> LicenceReport {
    let own: BTreeSet<&'static str> = sources
        .iter()
        .filter(|(source, _)| source.role == Role::Own)
        .filter_map(|(_, expression)| parse(expression).ok())
        .flat_map(|parsed| {
            parsed
                .requirements()
                .filter_map(|req| terms_of(&req.req).map(|terms| terms.name))
                .collect::<Vec<_>>()
        })
        .collect();
    let own_text = sources
        .iter()
        .find(|(source, _)| source.role == Role::Own)
        .map(|(_, expression)| expression.as_str());
    let context = Context {
        use_,
        own: &own,
        own_text,
    };

    // Many sources share a licence: evaluate each (expression, kind of role) once.
    let mut cache: BTreeMap<(&str, RoleKind), Evaluation> = BTreeMap::new();
    let mut report = LicenceReport {
        intended_use: *use_,
        licences: Vec::with_capacity(sources.len()),
        conflicts: Vec::new(),
        obligations: Vec::new(),
    };
    for (source, expression) in sources {
        let kind = RoleKind::of(source.role);
        let evaluation = cache
            .entry((expression.as_str(), kind))
            .or_insert_with(|| evaluate(expression, kind, &context));
        report.licences.push(SourceLicence {
            source: source.clone(),
            expression: expression.clone(),
            chosen: evaluation.chosen.clone(),
        });
        for finding in &evaluation.conflicts {
            report.conflicts.push(Conflict {
                source: source.clone(),
                licence: finding.licence.clone(),
                kind: finding.kind,
                reason: finding.text.clone(),
            });
        }
        for finding in &evaluation.obligations {
            report.obligations.push(Obligation {
                source: source.clone(),
                licence: finding.licence.clone(),
                kind: finding.kind,
                text: finding.text.clone(),
            });
        }
    }
    report
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RoleKind {
    Own,
    Ancestor,
    Dataset,
}

impl RoleKind {
    fn of(role: Role) -> Self {
        match role {
            Role::Own => Self::Own,
            Role::Ancestor { .. } => Self::Ancestor,
            Role::Dataset => Self::Dataset,
        }
    }
}

struct Context<'a> {
    use_: &'a IntendedUse,
    /// Table entries (by name) of the version's own licence terms.
    own: &'a BTreeSet<&'static str>,
    own_text: Option<&'a str>,
}

#[derive(Clone, Debug)]
struct Finding<K> {
    licence: String,
    kind: K,
    text: String,
}

#[derive(Clone, Debug)]
struct Evaluation {
    chosen: String,
    top: Option<Operator>,
    conflicts: Vec<Finding<ConflictKind>>,
    obligations: Vec<Finding<ObligationKind>>,
}

impl Evaluation {
    fn score(&self) -> (usize, usize) {
        (self.conflicts.len(), self.obligations.len())
    }
}

fn evaluate(expression: &str, role: RoleKind, context: &Context<'_>) -> Evaluation {
    match parse(expression) {
        Ok(parsed) => evaluate_parsed(&parsed, role, context),
        Err(error) => Evaluation {
            chosen: expression.to_owned(),
            top: None,
            conflicts: vec![Finding {
                licence: expression.to_owned(),
                kind: ConflictKind::UnknownTerms,
                text: format!("the licence does not parse ({error}); its terms are unknown"),
            }],
            obligations: Vec::new(),
        },
    }
}

/// Evaluates the postfix nodes with a stack: a requirement is judged on its own, `AND` keeps
/// both sides' findings, `OR` keeps the better side's.
fn evaluate_parsed(parsed: &Expression, role: RoleKind, context: &Context<'_>) -> Evaluation {
    let mut stack: Vec<Evaluation> = Vec::new();
    for node in parsed.iter() {
        match node {
            ExprNode::Req(req) => stack.push(evaluate_req(&req.req, role, context)),
            ExprNode::Op(op) => {
                let right = stack.pop().expect("a parsed expression is well formed");
                let left = stack.pop().expect("a parsed expression is well formed");
                let combined = match op {
                    Operator::Or if right.score() < left.score() => right,
                    Operator::Or => left,
                    Operator::And => {
                        let chosen = join(
                            (left.chosen, left.top),
                            Operator::And,
                            (right.chosen, right.top),
                        );
                        let mut conflicts = left.conflicts;
                        conflicts.extend(right.conflicts);
                        let mut obligations = left.obligations;
                        obligations.extend(right.obligations);
                        Evaluation {
                            chosen,
                            top: Some(Operator::And),
                            conflicts,
                            obligations,
                        }
                    }
                };
                stack.push(combined);
            }
        }
    }
    stack.pop().expect("a parsed expression has a term")
}

fn evaluate_req(req: &spdx::LicenseReq, role: RoleKind, context: &Context<'_>) -> Evaluation {
    let licence = req.license.to_string();
    let mut conflicts = Vec::new();
    let mut obligations = Vec::new();
    let mut conflict = |kind: ConflictKind, text: String| {
        conflicts.push(Finding {
            licence: licence.clone(),
            kind,
            text,
        });
    };
    let mut oblige = |kind: ObligationKind, text: String| {
        obligations.push(Finding {
            licence: licence.clone(),
            kind,
            text,
        });
    };
    match terms_of(req) {
        None => conflict(
            ConflictKind::UnknownTerms,
            format!(
                "the terms of {licence} are not in ailedger's licence table (or were given as \
                 `other`/`unknown`): review them before any use"
            ),
        ),
        Some(terms) => judge(terms, &licence, role, context, &mut conflict, &mut oblige),
    }
    if let Some(addition) = &req.addition {
        oblige(
            ObligationKind::Exception,
            format!("the exception {addition} changes the terms of {licence}: read it"),
        );
    }
    Evaluation {
        chosen: req.to_string(),
        top: None,
        conflicts,
        obligations,
    }
}

fn judge(
    terms: &LicenceTerms,
    licence: &str,
    role: RoleKind,
    context: &Context<'_>,
    conflict: &mut impl FnMut(ConflictKind, String),
    oblige: &mut impl FnMut(ObligationKind, String),
) {
    let use_ = context.use_;
    let name = terms.name;
    let what = match role {
        RoleKind::Own => "this version".to_owned(),
        RoleKind::Ancestor => "an ancestor of this version".to_owned(),
        RoleKind::Dataset => "a dataset this version was trained on".to_owned(),
    };
    if use_.commercial {
        match terms.commercial {
            Commercial::Allowed => {}
            Commercial::Constrained(condition) => oblige(
                ObligationKind::CommercialCondition,
                format!(
                    "{what} is under the {name}, which allows commercial use on a condition: \
                     {condition}"
                ),
            ),
            Commercial::Forbidden => conflict(
                ConflictKind::NonCommercial,
                format!(
                    "{what} is under the {name} ({licence}), which does not allow commercial use"
                ),
            ),
        }
    }
    if use_.redistribute_weights && !terms.redistribution {
        conflict(
            ConflictKind::NoRedistribution,
            format!(
                "{what} is under the {name} ({licence}), which does not allow sharing the weights \
                 or derivatives of them"
            ),
        );
    }
    // The version is itself a derivative of its ancestors (and, read cautiously, of its
    // training data); its own licence matters for derivatives only if the user makes some.
    let derivative = role != RoleKind::Own || use_.create_derivatives;
    if terms.no_derivatives && derivative {
        let reason = match role {
            RoleKind::Own => format!(
                "this version is under the {name} ({licence}): derivatives of it may be made but \
                 not shared"
            ),
            RoleKind::Ancestor => format!(
                "this version derives from an ancestor under the {name} ({licence}), which \
                 forbids sharing adapted material"
            ),
            RoleKind::Dataset => format!(
                "this version was trained on a dataset under the {name} ({licence}), which \
                 forbids sharing adapted material (whether a trained model adapts its training \
                 data is unsettled; read cautiously, it does)"
            ),
        };
        if use_.redistribute_weights {
            conflict(ConflictKind::NoDerivatives, reason);
        } else {
            oblige(ObligationKind::Note, reason);
        }
    }
    if terms.share_alike != ShareAlike::None {
        let reach = match terms.share_alike {
            ShareAlike::Weak => "changes to the licensed material itself must be shared under",
            ShareAlike::Network => {
                "shared derivatives, and those used by others over a network, must be under"
            }
            _ => "shared derivatives must be licensed under",
        };
        oblige(
            ObligationKind::ShareAlike,
            format!("{what} is under {licence} (share-alike): {reach} {licence}"),
        );
        let strong = matches!(terms.share_alike, ShareAlike::Strong | ShareAlike::Network);
        if role == RoleKind::Ancestor
            && strong
            && use_.redistribute_weights
            && !context.own.contains(name)
        {
            conflict(
                ConflictKind::ShareAlike,
                format!(
                    "this version derives from an ancestor under {licence} (share-alike), so \
                     shared copies must be under it too, but this version's licence ({}) does \
                     not offer it",
                    context.own_text.unwrap_or("none")
                ),
            );
        }
    }
    if terms.attribution {
        oblige(
            ObligationKind::Attribution,
            format!("credit the licensor of {what} and keep the {licence} licence notice"),
        );
    }
    if terms.use_restrictions {
        oblige(
            ObligationKind::UseRestrictions,
            format!(
                "{what} is under the {name}: its use restrictions bind you and must be passed on \
                 to anyone you share it or a derivative with"
            ),
        );
    }
    if !terms.note.is_empty() {
        oblige(ObligationKind::Note, format!("{licence}: {}", terms.note));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::licence::{LICENCE_TABLE, canonicalize};
    use ailedger_core::ZERO_HASH;

    fn source(role: Role, label: &str) -> LicenceSource {
        LicenceSource {
            role,
            id: ZERO_HASH,
            label: label.into(),
        }
    }

    fn check(
        own: &str,
        ancestor: Option<&str>,
        dataset: Option<&str>,
        use_: IntendedUse,
    ) -> LicenceReport {
        let mut sources = vec![(source(Role::Own, "own"), canonicalize(own).expect("valid"))];
        if let Some(ancestor) = ancestor {
            sources.push((
                source(Role::Ancestor { depth: 1 }, "parent"),
                canonicalize(ancestor).expect("valid"),
            ));
        }
        if let Some(dataset) = dataset {
            sources.push((
                source(Role::Dataset, "data"),
                canonicalize(dataset).expect("valid"),
            ));
        }
        check_licences(&sources, &use_)
    }

    fn kinds(report: &LicenceReport) -> Vec<(String, ConflictKind)> {
        report
            .conflicts
            .iter()
            .map(|c| (c.source.label.clone(), c.kind))
            .collect()
    }

    const COMMERCIAL: IntendedUse = IntendedUse {
        commercial: true,
        redistribute_weights: false,
        create_derivatives: false,
    };
    const SHARE: IntendedUse = IntendedUse {
        commercial: false,
        redistribute_weights: true,
        create_derivatives: false,
    };

    #[test]
    fn non_commercial_dataset_conflicts_with_commercial_use() {
        let report = check("Apache-2.0", None, Some("cc-by-nc-4.0"), COMMERCIAL);
        assert_eq!(
            kinds(&report),
            vec![("data".into(), ConflictKind::NonCommercial)]
        );
        assert!(report.conflicts[0].reason.contains("commercial"));
        assert!(check("Apache-2.0", None, Some("cc-by-nc-4.0"), SHARE).is_clear());
    }

    #[test]
    fn no_derivatives_ancestor_conflicts_with_sharing_a_finetune() {
        let report = check("Apache-2.0", Some("CC-BY-ND-4.0"), None, SHARE);
        assert_eq!(
            kinds(&report),
            vec![("parent".into(), ConflictKind::NoDerivatives)]
        );
        // Private use of the derivative is allowed, with a note.
        let private = check(
            "Apache-2.0",
            Some("CC-BY-ND-4.0"),
            None,
            IntendedUse::default(),
        );
        assert!(private.is_clear());
        assert!(private.obligations_of(ObligationKind::Note).count() > 0);
        // The own licence only matters if the user makes and shares derivatives.
        assert!(check("CC-BY-ND-4.0", None, None, SHARE).is_clear());
        let derive = IntendedUse {
            create_derivatives: true,
            ..SHARE
        };
        assert_eq!(
            kinds(&check("CC-BY-ND-4.0", None, None, derive)),
            vec![("own".into(), ConflictKind::NoDerivatives)]
        );
    }

    #[test]
    fn share_alike_is_an_obligation_and_a_conflict_when_relicensed() {
        let report = check("GPL-3.0-only", Some("gpl-3.0"), Some("CC-BY-SA-4.0"), SHARE);
        assert!(report.is_clear(), "{:?}", report.conflicts);
        assert_eq!(report.obligations_of(ObligationKind::ShareAlike).count(), 3);
        let relicensed = check("MIT", Some("GPL-3.0-or-later"), None, SHARE);
        assert_eq!(
            kinds(&relicensed),
            vec![("parent".into(), ConflictKind::ShareAlike)]
        );
        assert!(relicensed.conflicts[0].reason.contains("MIT"));
        // Kept private, there is nothing to share alike.
        assert!(check("MIT", Some("GPL-3.0-or-later"), None, COMMERCIAL).is_clear());
    }

    #[test]
    fn or_lets_the_user_choose_the_most_permissive_alternative() {
        let report = check("MIT OR GPL-3.0-only", None, None, COMMERCIAL);
        assert!(report.is_clear());
        assert_eq!(report.licences[0].chosen, "MIT");
        assert_eq!(report.obligations_of(ObligationKind::ShareAlike).count(), 0);
        let report = check("CC-BY-NC-4.0 OR LicenseRef-other", None, None, COMMERCIAL);
        assert_eq!(report.conflicts.len(), 1);
        let report = check("CC-BY-NC-4.0 OR MIT", None, None, COMMERCIAL);
        assert_eq!(report.licences[0].chosen, "MIT");
        assert!(report.is_clear());
    }

    #[test]
    fn and_applies_every_term_and_with_is_noted() {
        let report = check("MIT AND CC-BY-NC-4.0", None, None, COMMERCIAL);
        assert_eq!(
            kinds(&report),
            vec![("own".into(), ConflictKind::NonCommercial)]
        );
        assert_eq!(report.licences[0].chosen, "MIT AND CC-BY-NC-4.0");
        let report = check(
            "(MIT OR CC-BY-NC-4.0) AND (GPL-2.0-only OR Apache-2.0)",
            None,
            None,
            COMMERCIAL,
        );
        assert_eq!(report.licences[0].chosen, "MIT AND Apache-2.0");
        let report = check("Apache-2.0 WITH LLVM-exception", None, None, COMMERCIAL);
        assert_eq!(report.obligations_of(ObligationKind::Exception).count(), 1);
    }

    #[test]
    fn unknown_licences_are_never_silently_permissive() {
        for licence in ["other", "unknown", "LicenseRef-acme", "cc", "C-UDA-1.0"] {
            let report = check(licence, None, None, IntendedUse::default());
            assert_eq!(
                kinds(&report),
                vec![("own".into(), ConflictKind::UnknownTerms)],
                "{licence}"
            );
        }
        let broken = check_licences(
            &[(source(Role::Dataset, "data"), "not an expression".into())],
            &IntendedUse::default(),
        );
        assert_eq!(broken.conflicts[0].kind, ConflictKind::UnknownTerms);
    }

    #[test]
    fn llama_is_constrained_commercial_and_rail_passes_restrictions_on() {
        let report = check("Apache-2.0", Some("llama3.1"), None, COMMERCIAL);
        assert!(report.is_clear());
        assert_eq!(
            report
                .obligations_of(ObligationKind::CommercialCondition)
                .count(),
            1
        );
        assert!(
            report
                .obligations_of(ObligationKind::CommercialCondition)
                .any(|o| o.text.contains("700 million"))
        );
        let report = check("LicenseRef-creativeml-openrail-m", None, None, SHARE);
        assert!(report.is_clear());
        assert_eq!(
            report
                .obligations_of(ObligationKind::UseRestrictions)
                .count(),
            1
        );
        let report = check("gemma", None, None, COMMERCIAL);
        assert!(report.is_clear());
        assert_eq!(
            report
                .obligations_of(ObligationKind::UseRestrictions)
                .count(),
            1
        );
    }

    /// Every table entry, as a dataset, an ancestor and the version's own licence, gives the
    /// conflicts its flags say, and no others.
    #[test]
    fn every_table_entry_conflicts_as_its_terms_say() {
        let everything = IntendedUse {
            commercial: true,
            redistribute_weights: true,
            create_derivatives: true,
        };
        for terms in LICENCE_TABLE {
            let id = terms.ids[0];
            for (role, label) in [
                (Role::Own, "own"),
                (Role::Ancestor { depth: 2 }, "parent"),
                (Role::Dataset, "data"),
            ] {
                let mut sources = vec![(source(role, label), id.to_owned())];
                if role != Role::Own {
                    sources.insert(0, (source(Role::Own, "own"), "MIT".to_owned()));
                }
                let report = check_licences(&sources, &everything);
                let mut expected = Vec::new();
                if terms.commercial == Commercial::Forbidden {
                    expected.push(ConflictKind::NonCommercial);
                }
                if !terms.redistribution {
                    expected.push(ConflictKind::NoRedistribution);
                }
                if terms.no_derivatives {
                    expected.push(ConflictKind::NoDerivatives);
                }
                if role != Role::Own
                    && role != Role::Dataset
                    && matches!(terms.share_alike, ShareAlike::Strong | ShareAlike::Network)
                {
                    expected.push(ConflictKind::ShareAlike);
                }
                let got: Vec<ConflictKind> = report
                    .conflicts
                    .iter()
                    .filter(|c| c.source.label == label)
                    .map(|c| c.kind)
                    .collect();
                assert_eq!(got, expected, "{id} as {label}");
                let attributions = report
                    .obligations_of(ObligationKind::Attribution)
                    .filter(|o| o.source.label == label)
                    .count();
                assert_eq!(
                    attributions,
                    usize::from(terms.attribution),
                    "{id} as {label}"
                );
                let conditions = report
                    .obligations_of(ObligationKind::CommercialCondition)
                    .count();
                assert_eq!(
                    conditions,
                    usize::from(matches!(terms.commercial, Commercial::Constrained(_))),
                    "{id}"
                );
            }
        }
    }
}
