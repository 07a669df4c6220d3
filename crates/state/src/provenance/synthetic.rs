//! A deterministic synthetic provenance graph, for benchmarks and load tests at scale.
//!
//! Real registries are shaped like this: many datasets under a handful of licences, model
//! names owned by a few publishers, and versions that mostly finetune a recent version, with
//! some merges of several parents, some new bases, and occasional links far back in history.
//! The same seed gives the same graph, so figures from different runs and from different
//! layers (the executor alone, the whole node) are over the same records.
//!
//! Registrations come in waves: a version's parents are always from an earlier wave, so a
//! wave can be submitted to a node as a whole, in any order across senders, once the waves
//! before it are committed.

use super::{
    DatasetMode, DatasetSpec, FileDigest, Modality, Parent, ProvenanceMsg, Relation,
    SourceCategory, TrainingRun, VersionSpec,
};
use ailedger_core::{Hash, sha256};

/// The size and shape of a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphShape {
    /// Accounts registering; sender `i` owns the model names of its index.
    pub senders: usize,
    /// Model names each sender owns.
    pub models_per_sender: usize,
    /// Datasets.
    pub datasets: usize,
    /// Model versions.
    pub versions: usize,
    /// Versions per wave (parents come from earlier waves only).
    pub wave: usize,
}

/// One registration: which sender signs it, and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// Index of the sender.
    pub sender: usize,
    /// The message.
    pub msg: ProvenanceMsg,
}

/// A generated graph: its records in waves, and the ids to query.
#[derive(Clone, Debug)]
pub struct SyntheticGraph {
    /// Wave 0 holds every dataset and model name; each later wave, versions whose parents are
    /// all in earlier waves.
    pub waves: Vec<Vec<Registration>>,
    /// Dataset roots, in registration order.
    pub datasets: Vec<Hash>,
    /// Version ids, in registration order.
    pub versions: Vec<Hash>,
}

/// SplitMix64: small, fast, and the same sequence everywhere.
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const DATASET_LICENCES: &[&str] = &[
    "cc-by-4.0",
    "MIT",
    "CC-BY-SA-4.0",
    "cc-by-nc-4.0",
    "CC0-1.0",
    "odc-by",
    "apache-2.0",
    "other",
];

const VERSION_LICENCES: &[&str] = &[
    "Apache-2.0",
    "MIT",
    "llama3.1",
    "gemma",
    "creativeml-openrail-m",
    "MIT OR Apache-2.0",
    "GPL-3.0-only",
    "cc-by-nc-4.0",
];

/// How far back a version's parent usually is (in versions); one parent in fifty is drawn
/// from the whole history instead.
const RECENT_WINDOW: usize = 2_000;

fn digest(tag: &str, n: u64) -> Hash {
    sha256(&[tag.as_bytes(), &n.to_be_bytes()])
}

/// The name of model `m` of sender `s`.
pub fn model_name(sender: usize, model: usize) -> String {
    format!("org{sender}/model-{model}")
}

fn dataset(i: usize, rng: &mut SplitMix) -> DatasetSpec {
    let n = i as u64;
    DatasetSpec {
        id: digest("dataset", n),
        name: format!("corpus-{i}"),
        manifest: digest("manifest", n),
        leaf_count: 1 + rng.next_u64() % 1_000_000,
        total_bytes: rng.next_u64() % (1 << 40),
        mode: if i.is_multiple_of(3) {
            DatasetMode::Records
        } else {
            DatasetMode::Files
        },
        licence: DATASET_LICENCES[rng.below(DATASET_LICENCES.len())].into(),
        source: format!("https://data.example.org/corpus/{i}"),
        source_category: SourceCategory::ALL[rng.below(SourceCategory::ALL.len())],
        modality: Modality::ALL[rng.below(Modality::ALL.len())],
        collection: None,
        contributors: vec![format!("lab-{}", i % 97)],
        evidence: vec![digest("robots", n)],
    }
}

/// Parents for the next version, drawn from `earlier` (versions of previous waves).
fn parents(earlier: &[Hash], rng: &mut SplitMix) -> Vec<Parent> {
    let mut parents: Vec<Parent> = Vec::new();
    if earlier.is_empty() {
        return parents;
    }
    let count = match rng.below(20) {
        0 => 0,
        1 | 2 => 2 + rng.below(2),
        _ => 1,
    };
    for _ in 0..count {
        let window = if rng.below(50) == 0 {
            earlier.len()
        } else {
            earlier.len().min(RECENT_WINDOW)
        };
        let id = earlier[earlier.len() - 1 - rng.below(window)];
        if parents.iter().all(|parent| parent.id != id) {
            parents.push(Parent {
                id,
                relation: Relation::ALL[rng.below(Relation::ALL.len())],
            });
        }
    }
    parents
}

fn version(
    i: usize,
    model: String,
    parents: Vec<Parent>,
    datasets: Vec<Hash>,
    rng: &mut SplitMix,
) -> VersionSpec {
    let n = i as u64;
    VersionSpec {
        model,
        version: format!("v{i}"),
        files: vec![
            FileDigest {
                path: "config.json".into(),
                sha256: digest("config", n),
            },
            FileDigest {
                path: "model.safetensors".into(),
                sha256: digest("weights", n),
            },
        ],
        tensor_root: digest("tensors", n),
        architecture: digest("arch", n % 50),
        parents,
        datasets,
        training: Some(TrainingRun {
            config: digest("train", n),
            code_commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".into(),
            hardware: "8x H100 80GB".into(),
        }),
        licence: VERSION_LICENCES[rng.below(VERSION_LICENCES.len())].into(),
    }
}

/// Generates the graph of `shape` from `seed`.
///
/// # Panics
///
/// If `senders`, `models_per_sender` or `wave` is zero.
pub fn generate(shape: &GraphShape, seed: u64) -> SyntheticGraph {
    assert!(
        shape.senders > 0 && shape.models_per_sender > 0 && shape.wave > 0,
        "a graph needs senders, models and a wave size"
    );
    let mut rng = SplitMix::new(seed);
    let mut first = Vec::with_capacity(shape.datasets + shape.senders * shape.models_per_sender);
    let mut datasets = Vec::with_capacity(shape.datasets);
    for i in 0..shape.datasets {
        let spec = dataset(i, &mut rng);
        datasets.push(spec.id);
        first.push(Registration {
            sender: i % shape.senders,
            msg: ProvenanceMsg::RegisterDataset(spec),
        });
    }
    for sender in 0..shape.senders {
        for model in 0..shape.models_per_sender {
            first.push(Registration {
                sender,
                msg: ProvenanceMsg::RegisterModel {
                    name: model_name(sender, model),
                },
            });
        }
    }
    let mut waves = vec![first];
    let mut versions: Vec<Hash> = Vec::with_capacity(shape.versions);
    let mut wave_start = 0;
    for i in 0..shape.versions {
        if i.is_multiple_of(shape.wave) {
            waves.push(Vec::with_capacity(shape.wave));
            wave_start = i;
        }
        let parents = parents(&versions[..wave_start], &mut rng);
        let mut trained_on = Vec::new();
        if !datasets.is_empty() {
            for _ in 0..rng.below(3) {
                let dataset = datasets[rng.below(datasets.len())];
                if !trained_on.contains(&dataset) {
                    trained_on.push(dataset);
                }
            }
        }
        let sender = rng.below(shape.senders);
        let model = model_name(sender, rng.below(shape.models_per_sender));
        let spec = version(i, model, parents, trained_on, &mut rng);
        versions.push(spec.id());
        if let Some(wave) = waves.last_mut() {
            wave.push(Registration {
                sender,
                msg: ProvenanceMsg::RegisterModelVersion(spec),
            });
        }
    }
    SyntheticGraph {
        waves,
        datasets,
        versions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> GraphShape {
        GraphShape {
            senders: 3,
            models_per_sender: 2,
            datasets: 20,
            versions: 250,
            wave: 50,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_graph_and_another_seed_another() {
        let a = generate(&shape(), 7);
        let b = generate(&shape(), 7);
        assert_eq!(a.versions, b.versions);
        assert_eq!(a.waves, b.waves);
        assert_ne!(generate(&shape(), 8).waves, a.waves);
    }

    #[test]
    fn parents_are_from_earlier_waves_and_every_message_is_valid() {
        let graph = generate(&shape(), 1);
        assert_eq!(graph.waves.len(), 1 + 250 / 50);
        assert_eq!(graph.waves[0].len(), 20 + 3 * 2);
        let mut registered: Vec<Hash> = Vec::new();
        let mut with_parents = 0;
        for wave in &graph.waves[1..] {
            let mut this_wave = Vec::new();
            for registration in wave {
                registration.msg.validate().expect("valid message");
                let ProvenanceMsg::RegisterModelVersion(spec) = &registration.msg else {
                    panic!("only versions after wave 0");
                };
                for parent in &spec.parents {
                    assert!(
                        registered.contains(&parent.id),
                        "parent from an earlier wave"
                    );
                }
                with_parents += usize::from(!spec.parents.is_empty());
                assert!(
                    spec.model
                        .starts_with(&format!("org{}/", registration.sender))
                );
                this_wave.push(spec.id());
            }
            registered.extend(this_wave);
        }
        assert_eq!(registered, graph.versions);
        assert!(with_parents > 150, "most versions derive from another");
    }
}
