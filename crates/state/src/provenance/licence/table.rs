//! What common licences allow: the table the licence checker reads.
//!
//! The table summarises each licence's notable terms for the questions a model's publisher asks
//! (may I use it commercially, share the weights, share derivatives, must I share alike, credit,
//! pass on use restrictions). It is a screening aid, not legal advice: where a licence is
//! ambiguous for models or data, the entry takes the cautious reading and says so in its note.
//! A licence not in the table has unknown terms, and the checker reports it as a conflict.

use std::{collections::BTreeMap, sync::OnceLock};

/// Whether commercial use is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commercial {
    /// Allowed.
    Allowed,
    /// Allowed under a condition (e.g. Llama's 700 million monthly active users clause).
    Constrained(&'static str),
    /// Not allowed (non-commercial or research-only licences).
    Forbidden,
}

/// How far a copyleft (share-alike) duty reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareAlike {
    /// No share-alike duty.
    None,
    /// Weak copyleft: the licensed files (or library) themselves stay under the licence (LGPL,
    /// MPL, EPL).
    Weak,
    /// Strong copyleft: shared derivatives must be under the same licence (GPL, CC BY-SA,
    /// ODbL).
    Strong,
    /// Strong copyleft that also applies to use over a network (AGPL).
    Network,
}

/// The notable terms of a licence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LicenceTerms {
    /// The canonical identifiers this entry covers (SPDX ids or `LicenseRef-…`).
    pub ids: &'static [&'static str],
    /// Human-readable name.
    pub name: &'static str,
    /// Commercial use.
    pub commercial: Commercial,
    /// Whether the weights (or data) and derivatives may be redistributed.
    pub redistribution: bool,
    /// Whether adapted material may not be shared (no-derivatives).
    pub no_derivatives: bool,
    /// Share-alike duty on shared derivatives.
    pub share_alike: ShareAlike,
    /// Whether credit (copyright and licence notices) is required when sharing.
    pub attribution: bool,
    /// Whether use-based restrictions apply and must be passed on (RAIL licences, acceptable-use
    /// policies).
    pub use_restrictions: bool,
    /// Other notable terms, in plain words (empty if none).
    pub note: &'static str,
}

const PUBLIC_DOMAIN: LicenceTerms = LicenceTerms {
    ids: &[],
    name: "",
    commercial: Commercial::Allowed,
    redistribution: true,
    no_derivatives: false,
    share_alike: ShareAlike::None,
    attribution: false,
    use_restrictions: false,
    note: "",
};

const PERMISSIVE: LicenceTerms = LicenceTerms {
    attribution: true,
    ..PUBLIC_DOMAIN
};

const COPYLEFT: LicenceTerms = LicenceTerms {
    share_alike: ShareAlike::Strong,
    note: "shared derivatives must be licensed under the same licence and come with their \
           corresponding source",
    ..PERMISSIVE
};

const WEAK_COPYLEFT: LicenceTerms = LicenceTerms {
    share_alike: ShareAlike::Weak,
    note: "changes to the licensed files themselves must be shared under the same licence",
    ..PERMISSIVE
};

const CC_NOTE: &str = "credit the creator, link the licence and say whether the material was \
                       changed";

const OPEN_RAIL: LicenceTerms = LicenceTerms {
    use_restrictions: true,
    note: "the use-based restrictions (Attachment A) bind every user and must be included in \
           the licence of any shared copy or derivative",
    ..PERMISSIVE
};

const LLAMA_MAU: &str = "licensees whose products had more than 700 million monthly active \
                         users on the model's release date must request a separate licence \
                         from Meta";

const LLAMA: LicenceTerms = LicenceTerms {
    commercial: Commercial::Constrained(LLAMA_MAU),
    use_restrictions: true,
    ..PERMISSIVE
};

const RESEARCH_ONLY: LicenceTerms = LicenceTerms {
    commercial: Commercial::Forbidden,
    use_restrictions: true,
    ..PERMISSIVE
};

/// The licence table. Every identifier appears in one entry only.
pub const LICENCE_TABLE: &[LicenceTerms] = &[
    // Public domain dedications and licences without conditions.
    LicenceTerms {
        ids: &["CC0-1.0"],
        name: "Creative Commons Zero 1.0 (public domain dedication)",
        ..PUBLIC_DOMAIN
    },
    LicenceTerms {
        ids: &["Unlicense"],
        name: "The Unlicense",
        ..PUBLIC_DOMAIN
    },
    LicenceTerms {
        ids: &["0BSD"],
        name: "BSD Zero Clause",
        ..PUBLIC_DOMAIN
    },
    LicenceTerms {
        ids: &["MIT-0"],
        name: "MIT No Attribution",
        ..PUBLIC_DOMAIN
    },
    LicenceTerms {
        ids: &["WTFPL"],
        name: "WTFPL",
        ..PUBLIC_DOMAIN
    },
    LicenceTerms {
        ids: &["PDDL-1.0", "LicenseRef-pddl"],
        name: "Open Data Commons Public Domain Dedication and Licence",
        ..PUBLIC_DOMAIN
    },
    // Permissive licences.
    LicenceTerms {
        ids: &["Apache-2.0"],
        name: "Apache 2.0",
        note: "keep the licence, copyright and NOTICE texts and mark modified files; the patent \
               licence ends for anyone who sues over patents in the work",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["MIT"],
        name: "MIT",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["BSD-2-Clause"],
        name: "BSD 2-Clause",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["BSD-3-Clause"],
        name: "BSD 3-Clause",
        note: "the licensor's name may not be used to endorse derived products",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["BSD-3-Clause-Clear"],
        name: "BSD 3-Clause Clear",
        note: "grants no patent rights; the licensor's name may not be used for endorsement",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["LicenseRef-bsd"],
        name: "BSD (unversioned Hugging Face id)",
        note: "the BSD variant is not stated; every variant requires the copyright notice",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["ISC"],
        name: "ISC",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["Zlib"],
        name: "zlib",
        note: "altered versions must be plainly marked as such",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["BSL-1.0"],
        name: "Boost Software License 1.0",
        note: "notices are required in source copies only, not in compiled or binary form",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["PostgreSQL"],
        name: "PostgreSQL",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["NCSA"],
        name: "University of Illinois/NCSA",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["AFL-3.0"],
        name: "Academic Free License 3.0",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["ECL-2.0"],
        name: "Educational Community License 2.0",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["Artistic-2.0"],
        name: "Artistic License 2.0",
        note: "modified versions distributed must be renamed or made freely available",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["LicenseRef-apple-ascl"],
        name: "Apple Sample Code License",
        note: "Apple's name may not be used to endorse derived products",
        ..PERMISSIVE
    },
    // Data licences.
    LicenceTerms {
        ids: &["CDLA-Permissive-1.0"],
        name: "Community Data License Agreement Permissive 1.0",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["CDLA-Permissive-2.0"],
        name: "Community Data License Agreement Permissive 2.0",
        note: "shared data must come with the licence text; results of computational use \
               (e.g. trained models) are not restricted",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["CDLA-Sharing-1.0"],
        name: "Community Data License Agreement Sharing 1.0",
        share_alike: ShareAlike::Strong,
        note: "shared data and enhanced data must stay under the same licence; results of \
               computational use are not restricted",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["ODC-By-1.0", "LicenseRef-odc-by"],
        name: "Open Data Commons Attribution",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["ODbL-1.0", "LicenseRef-odbl"],
        name: "Open Database License",
        share_alike: ShareAlike::Strong,
        note: "shared adapted databases must be under the ODbL; works produced from the \
               database need a notice of the source",
        ..PERMISSIVE
    },
    // Creative Commons.
    LicenceTerms {
        ids: &["CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0"],
        name: "Creative Commons Attribution",
        note: CC_NOTE,
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &[
            "CC-BY-SA-2.0",
            "CC-BY-SA-2.5",
            "CC-BY-SA-3.0",
            "CC-BY-SA-4.0",
        ],
        name: "Creative Commons Attribution-ShareAlike",
        share_alike: ShareAlike::Strong,
        note: "shared adaptations must be licensed under the same or a compatible licence \
               (CC BY-SA 4.0 lists GPL-3.0 as compatible)",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &[
            "CC-BY-NC-2.0",
            "CC-BY-NC-2.5",
            "CC-BY-NC-3.0",
            "CC-BY-NC-4.0",
        ],
        name: "Creative Commons Attribution-NonCommercial",
        commercial: Commercial::Forbidden,
        note: CC_NOTE,
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &[
            "CC-BY-NC-SA-2.0",
            "CC-BY-NC-SA-2.5",
            "CC-BY-NC-SA-3.0",
            "CC-BY-NC-SA-4.0",
        ],
        name: "Creative Commons Attribution-NonCommercial-ShareAlike",
        commercial: Commercial::Forbidden,
        share_alike: ShareAlike::Strong,
        note: CC_NOTE,
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &[
            "CC-BY-ND-2.0",
            "CC-BY-ND-2.5",
            "CC-BY-ND-3.0",
            "CC-BY-ND-4.0",
        ],
        name: "Creative Commons Attribution-NoDerivatives",
        no_derivatives: true,
        note: "adapted material may be made but not shared",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &[
            "CC-BY-NC-ND-2.0",
            "CC-BY-NC-ND-2.5",
            "CC-BY-NC-ND-3.0",
            "CC-BY-NC-ND-4.0",
        ],
        name: "Creative Commons Attribution-NonCommercial-NoDerivatives",
        commercial: Commercial::Forbidden,
        no_derivatives: true,
        note: "adapted material may be made but not shared",
        ..PERMISSIVE
    },
    // GNU and other copyleft licences.
    LicenceTerms {
        ids: &["GPL-2.0-only", "GPL-2.0-or-later"],
        name: "GNU General Public License 2.0",
        ..COPYLEFT
    },
    LicenceTerms {
        ids: &["GPL-3.0-only", "GPL-3.0-or-later"],
        name: "GNU General Public License 3.0",
        ..COPYLEFT
    },
    LicenceTerms {
        ids: &["LicenseRef-gpl"],
        name: "GNU General Public License (unversioned Hugging Face id)",
        ..COPYLEFT
    },
    LicenceTerms {
        ids: &["AGPL-3.0-only", "AGPL-3.0-or-later"],
        name: "GNU Affero General Public License 3.0",
        share_alike: ShareAlike::Network,
        note: "users interacting with a modified version over a network must be offered its \
               source",
        ..COPYLEFT
    },
    LicenceTerms {
        ids: &["LGPL-2.1-only", "LGPL-2.1-or-later"],
        name: "GNU Lesser General Public License 2.1",
        ..WEAK_COPYLEFT
    },
    LicenceTerms {
        ids: &["LGPL-3.0-only", "LGPL-3.0-or-later"],
        name: "GNU Lesser General Public License 3.0",
        ..WEAK_COPYLEFT
    },
    LicenceTerms {
        ids: &["LicenseRef-lgpl"],
        name: "GNU Lesser General Public License (unversioned Hugging Face id)",
        ..WEAK_COPYLEFT
    },
    LicenceTerms {
        ids: &["MPL-2.0"],
        name: "Mozilla Public License 2.0",
        ..WEAK_COPYLEFT
    },
    LicenceTerms {
        ids: &["EPL-1.0", "EPL-2.0"],
        name: "Eclipse Public License",
        ..WEAK_COPYLEFT
    },
    LicenceTerms {
        ids: &["MS-PL"],
        name: "Microsoft Public License",
        share_alike: ShareAlike::Weak,
        note: "source code shared must stay under the MS-PL",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["LicenseRef-gfdl"],
        name: "GNU Free Documentation License (unversioned Hugging Face id)",
        note: "shared modified versions must be under the GFDL; invariant sections may not be \
               changed",
        ..COPYLEFT
    },
    // Responsible AI licences (OpenRAIL).
    LicenceTerms {
        ids: &["LicenseRef-openrail"],
        name: "OpenRAIL",
        ..OPEN_RAIL
    },
    LicenceTerms {
        ids: &["LicenseRef-openrail-pp"],
        name: "OpenRAIL++-M",
        ..OPEN_RAIL
    },
    LicenceTerms {
        ids: &["LicenseRef-creativeml-openrail-m"],
        name: "CreativeML OpenRAIL-M",
        ..OPEN_RAIL
    },
    LicenceTerms {
        ids: &["LicenseRef-bigscience-openrail-m"],
        name: "BigScience OpenRAIL-M",
        ..OPEN_RAIL
    },
    LicenceTerms {
        ids: &["LicenseRef-bigcode-openrail-m"],
        name: "BigCode OpenRAIL-M",
        ..OPEN_RAIL
    },
    LicenceTerms {
        ids: &["LicenseRef-bigscience-bloom-rail-1.0"],
        name: "BigScience BLOOM RAIL 1.0",
        ..OPEN_RAIL
    },
    // Custom model licences.
    LicenceTerms {
        ids: &["LicenseRef-llama2"],
        name: "Llama 2 Community License",
        note: "ship a copy of the licence and the notice \"Llama 2 is licensed under the LLAMA 2 \
               Community License\"; follow the Acceptable Use Policy; Llama 2 outputs may not \
               be used to improve other large language models",
        ..LLAMA
    },
    LicenceTerms {
        ids: &["LicenseRef-llama3"],
        name: "Meta Llama 3 Community License",
        note: "display \"Built with Meta Llama 3\" and begin derived model names with \"Llama \
               3\"; follow the Acceptable Use Policy; outputs may not be used to improve other \
               large language models",
        ..LLAMA
    },
    LicenceTerms {
        ids: &["LicenseRef-llama3.1"],
        name: "Llama 3.1 Community License",
        note: "display \"Built with Llama\" and begin derived model names with \"Llama\"; \
               follow the Acceptable Use Policy; outputs may be used to train other models, \
               which then carry the same naming duty",
        ..LLAMA
    },
    LicenceTerms {
        ids: &["LicenseRef-llama3.2"],
        name: "Llama 3.2 Community License",
        note: "display \"Built with Llama\" and begin derived model names with \"Llama\"; \
               follow the Acceptable Use Policy, which withholds the rights to the multimodal \
               models from individuals and companies domiciled in the EU",
        ..LLAMA
    },
    LicenceTerms {
        ids: &["LicenseRef-llama3.3"],
        name: "Llama 3.3 Community License",
        note: "display \"Built with Llama\" and begin derived model names with \"Llama\"; \
               follow the Acceptable Use Policy",
        ..LLAMA
    },
    LicenceTerms {
        ids: &["LicenseRef-llama4"],
        name: "Llama 4 Community License",
        note: "display \"Built with Llama\" and begin derived model names with \"Llama\"; \
               follow the Acceptable Use Policy, which withholds the rights to the multimodal \
               models from individuals and companies domiciled in the EU",
        ..LLAMA
    },
    LicenceTerms {
        ids: &["LicenseRef-gemma"],
        name: "Gemma Terms of Use",
        use_restrictions: true,
        note: "pass the Prohibited Use Policy on to downstream users with a copy of the terms and \
               the notice \"Gemma is provided under and subject to the Gemma Terms of Use\"; \
               Google may restrict use it believes breaches the terms",
        ..PERMISSIVE
    },
    LicenceTerms {
        ids: &["LicenseRef-apple-amlr"],
        name: "Apple Machine Learning Research Model License",
        note: "research use only",
        ..RESEARCH_ONLY
    },
    LicenceTerms {
        ids: &["LicenseRef-fair-noncommercial-research-license"],
        name: "FAIR Noncommercial Research License",
        note: "non-commercial research use only; copies shared must carry the licence",
        ..RESEARCH_ONLY
    },
    LicenceTerms {
        ids: &["LicenseRef-deepfloyd-if-license"],
        name: "DeepFloyd IF License",
        redistribution: false,
        note: "non-commercial research use only; sharing is read as not allowed (cautious \
               reading)",
        ..RESEARCH_ONLY
    },
];

/// The terms of one canonical licence identifier (an SPDX id, with `+` allowed, or a
/// `LicenseRef-…`, matched ignoring ASCII case), if the table has them.
pub fn terms_of_id(id: &str) -> Option<&'static LicenceTerms> {
    static INDEX: OnceLock<BTreeMap<String, &'static LicenceTerms>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = BTreeMap::new();
        for terms in LICENCE_TABLE {
            for id in terms.ids {
                index.insert(id.to_ascii_lowercase(), terms);
            }
        }
        index
    });
    let id = id.strip_suffix('+').unwrap_or(id);
    index.get(&id.to_ascii_lowercase()).copied()
}

/// The terms of one requirement of a parsed expression (its exception, if any, is ignored
/// here: the checker reports it separately). A reference into another SPDX document
/// (`DocumentRef-…:LicenseRef-…`) has unknown terms.
pub fn terms_of(req: &spdx::LicenseReq) -> Option<&'static LicenceTerms> {
    match &req.license {
        spdx::LicenseItem::Spdx { id, .. } => terms_of_id(id.name),
        spdx::LicenseItem::Other(reference) if reference.doc_ref.is_none() => {
            terms_of_id(&format!("LicenseRef-{}", reference.lic_ref))
        }
        spdx::LicenseItem::Other(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_id_is_canonical_and_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for terms in LICENCE_TABLE {
            assert!(!terms.name.is_empty());
            assert!(!terms.ids.is_empty(), "{}", terms.name);
            for id in terms.ids {
                assert_eq!(
                    super::super::canonicalize(id).as_deref(),
                    Ok(*id),
                    "{id} is not canonical"
                );
                assert!(seen.insert(id.to_ascii_lowercase()), "{id} listed twice");
                assert_eq!(terms_of_id(id), Some(terms));
            }
        }
    }

    #[test]
    fn required_licences_are_covered() {
        for id in [
            "Apache-2.0",
            "MIT",
            "BSD-2-Clause",
            "BSD-3-Clause",
            "CC0-1.0",
            "CC-BY-3.0",
            "CC-BY-4.0",
            "CC-BY-SA-4.0",
            "CC-BY-NC-4.0",
            "CC-BY-NC-SA-4.0",
            "CC-BY-ND-4.0",
            "CC-BY-NC-ND-4.0",
            "GPL-3.0-only",
            "GPL-3.0-or-later",
            "LGPL-3.0-only",
            "LGPL-2.1-or-later",
            "LicenseRef-openrail",
            "LicenseRef-openrail-pp",
            "LicenseRef-creativeml-openrail-m",
            "LicenseRef-bigscience-openrail-m",
            "LicenseRef-bigcode-openrail-m",
            "LicenseRef-bigscience-bloom-rail-1.0",
            "LicenseRef-llama2",
            "LicenseRef-llama3",
            "LicenseRef-llama3.1",
            "LicenseRef-llama3.2",
            "LicenseRef-llama3.3",
            "LicenseRef-gemma",
        ] {
            assert!(terms_of_id(id).is_some(), "{id} missing");
        }
        assert!(matches!(
            terms_of_id("LicenseRef-llama3.1").map(|t| t.commercial),
            Some(Commercial::Constrained(_))
        ));
        assert_eq!(terms_of_id("LicenseRef-other"), None);
        assert_eq!(terms_of_id("LicenseRef-unknown"), None);
        assert_eq!(terms_of_id("LicenseRef-cc"), None);
        assert_eq!(terms_of_id("Apache-2.0+"), terms_of_id("Apache-2.0"));
        assert_eq!(
            terms_of_id("licenseref-LLAMA3.1"),
            terms_of_id("LicenseRef-llama3.1")
        );
    }
}
