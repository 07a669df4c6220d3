//! Near duplicates stay close and unrelated content stays far, for images and for text.

use ailedger_credentials::error::FingerprintError;
use ailedger_credentials::fingerprint::{
    IMAGE_NEAR_DISTANCE, TEXT_NEAR_DISTANCE, image_fingerprint, text_fingerprint,
};
use image::imageops::FilterType;

use crate::media::{encode_jpeg, encode_png, jpeg, png, scene};

fn distance(a: &[u8], b: &[u8]) -> u32 {
    let a = image_fingerprint(a).expect("fingerprint");
    let b = image_fingerprint(b).expect("fingerprint");
    a.distance(&b).expect("same kind")
}

#[test]
fn re_encoded_and_resized_images_stay_near() {
    for seed in 1..=6 {
        let original = scene(320, 240, seed);
        let png = encode_png(&original);
        let variants = [
            ("JPEG q=90", encode_jpeg(&original, 90)),
            ("JPEG q=40", encode_jpeg(&original, 40)),
            (
                "half size",
                encode_png(&original.resize_exact(160, 120, FilterType::Triangle)),
            ),
            (
                "double size JPEG",
                encode_jpeg(&original.resize_exact(640, 480, FilterType::CatmullRom), 75),
            ),
            ("brighter", encode_png(&original.brighten(12))),
        ];
        for (what, bytes) in variants {
            let d = distance(&png, &bytes);
            assert!(
                d <= IMAGE_NEAR_DISTANCE,
                "scene {seed}, {what}: distance {d} > {IMAGE_NEAR_DISTANCE}"
            );
        }
    }
}

#[test]
fn unrelated_images_stay_far() {
    let fingerprints: Vec<_> = (1..=12)
        .map(|seed| image_fingerprint(&png(320, 240, seed)).expect("fingerprint"))
        .collect();
    for (i, a) in fingerprints.iter().enumerate() {
        for b in &fingerprints[i + 1..] {
            let d = a.distance(b).expect("same kind");
            assert!(
                d > IMAGE_NEAR_DISTANCE,
                "{a} and {b} are {d} bits apart, within the near-duplicate distance"
            );
            assert!(!a.is_near(b));
        }
    }
}

#[test]
fn non_images_are_refused_not_panicked_on() {
    assert_eq!(
        image_fingerprint(b"plain text"),
        Err(FingerprintError::UnsupportedImage)
    );
    let png = png(64, 64, 1);
    assert!(matches!(
        image_fingerprint(&png[..png.len() / 2]),
        Err(FingerprintError::Decode(_))
    ));
    let jpeg = jpeg(64, 64, 1);
    for cut in [3, 20, jpeg.len() / 3] {
        let _ = image_fingerprint(&jpeg[..cut]);
    }
    // A PNG header claiming a canvas beyond the limits is refused before allocating it.
    let mut huge = png;
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    assert!(image_fingerprint(&huge).is_err());
}

const ARTICLE: &str = "The harbour authority announced on Tuesday that the northern breakwater \
will be rebuilt over the next three years. Engineers found that winter storms had undermined \
the foundations in several places, and divers reported cracks wide enough to swim through. \
The work will close the old ferry pier for two summers, and fishing boats will moor at the \
temporary pontoons near the customs house. Local businesses asked for the schedule to avoid \
the festival weeks, when the town receives most of its visitors, and the authority promised \
to publish a detailed plan before the end of the month. The project is funded by the regional \
government and a loan from the national infrastructure bank.";

const EDITED: &str = "The harbor authority announced on Wednesday that the northern breakwater \
will be rebuilt over the next three years. Engineers found that winter storms had undermined \
the foundations in several places, and divers reported cracks wide enough to swim through! \
The work will close the old ferry pier for two summers, and fishing boats will moor at the \
temporary pontoons near the customs house. Local businesses asked for the schedule to avoid \
the festival weeks, when the town receives most of its visitors, and the authority promised \
to publish a detailed plan before the end of the month. The project is funded by the regional \
government and a loan from the national infrastructure bank.";

const UNRELATED: [&str; 3] = [
    "Preheat the oven to two hundred degrees. Mix the flour, the butter and a pinch of salt \
until the dough holds together, then rest it in the fridge for half an hour before rolling it \
out thinly and lining the tin. Bake blind for fifteen minutes, add the filling and return it \
to the oven until the top is golden and the centre barely wobbles.",
    "In the second half the visitors pressed high and forced three corners in ten minutes, but \
the goalkeeper stood firm and the home side broke away to score on the counter. The coach said \
afterwards that the team had followed the plan, and that the injury to the captain was not as \
serious as it first looked.",
    "To install the package, download the archive, unpack it into a directory of your choice \
and add its bin folder to the path. The configuration file lives in your home directory; edit \
the server address and the port, then restart the service and check the log for errors.",
];

#[test]
fn a_lightly_edited_text_stays_near() {
    let original = text_fingerprint(ARTICLE);
    let edited = text_fingerprint(EDITED);
    let d = original.distance(&edited).expect("same kind");
    assert!(d <= TEXT_NEAR_DISTANCE, "distance {d}");
    assert!(original.is_near(&edited));
    // Case, punctuation and line wrapping are not edits.
    let reformatted = ARTICLE.to_uppercase().replace(". ", ".\n\n");
    assert_eq!(text_fingerprint(&reformatted), original);
}

#[test]
fn unrelated_texts_stay_far() {
    let mut all = vec![ARTICLE];
    all.extend(UNRELATED);
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            let (fa, fb) = (text_fingerprint(a), text_fingerprint(b));
            let d = fa.distance(&fb).expect("same kind");
            assert!(
                d > TEXT_NEAR_DISTANCE,
                "distance {d} between unrelated texts"
            );
        }
    }
}

#[test]
fn image_and_text_fingerprints_never_match() {
    let image = image_fingerprint(&png(32, 32, 1)).expect("fingerprint");
    let text = text_fingerprint(ARTICLE);
    assert_eq!(image.distance(&text), None);
    assert_eq!(text_fingerprint("").bits, 0);
    assert_ne!(text_fingerprint("one two"), text_fingerprint("two one"));
}
