//! `io::ModelCheckpoint`: periodic and best-only checkpoints during `fit`, retention of the
//! last K, and checkpoints that load back to the weights they were saved with.

use std::path::PathBuf;

use trustnn::io::{ModelCheckpoint, load_checkpoint};
use trustnn::prelude::*;

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ckpt_cb")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn setup() -> (Sequential, Tensor, Tensor) {
    let x = Tensor::from_rows(&[
        [0.0, 1.0],
        [1.0, 0.0],
        [1.0, 1.0],
        [0.0, 0.0],
        [0.5, 0.5],
        [0.2, 0.9],
    ])
    .unwrap();
    let y = Tensor::from_vec(vec![1.0, 1.0, 0.0, 0.0, 1.0, 1.0], &[6, 1]).unwrap();
    let mut m = Sequential::new()
        .seed(4)
        .add(Dense::new(2, 4))
        .add(ActivationLayer::new(Tanh))
        .add(Dense::new(4, 1));
    m.compile(BinaryCrossEntropyWithLogits, Adam::new(0.05)).unwrap();
    (m, x, y)
}

#[test]
fn saves_every_n_epochs_and_keeps_the_last_k() {
    let (mut m, x, y) = setup();
    let d = dir("every");
    let mut cb = ModelCheckpoint::new(&d, "m").every(2).keep_last(2);
    m.fit_with_callbacks(
        &x,
        &y,
        None,
        &FitConfig::new().epochs(6).verbose(false),
        &mut [&mut cb],
    )
    .unwrap();
    let kept: Vec<PathBuf> = cb.saved().map(PathBuf::from).collect();
    assert_eq!(kept, vec![cb.path_for(4), cb.path_for(6)]);
    assert!(
        !cb.path_for(2).exists(),
        "the oldest checkpoint should have been deleted"
    );
    let last = load_checkpoint(cb.path_for(6)).unwrap();
    assert_eq!(last.epoch, Some(6));
    assert_eq!(last.model.state_dict(), m.state_dict());
}

#[test]
fn best_only_saves_exactly_the_epochs_that_improved() {
    let (mut m, x, y) = setup();
    let d = dir("best");
    let mut cb = ModelCheckpoint::new(&d, "best").best_only("val_loss");
    let (vx, vy) = (x.select_rows(&[0, 2]).unwrap(), y.select_rows(&[0, 2]).unwrap());
    let cfg = FitConfig::new().epochs(8).validation_data(vx, vy).verbose(false);
    let h = m.fit_with_callbacks(&x, &y, None, &cfg, &mut [&mut cb]).unwrap();
    let mut best = f32::INFINITY;
    let mut expected = Vec::new();
    for (e, &v) in h.get("val_loss").unwrap().iter().enumerate() {
        if v < best {
            best = v;
            expected.push(cb.path_for(e + 1));
        }
    }
    let saved: Vec<PathBuf> = cb.saved().map(PathBuf::from).collect();
    assert_eq!(saved, expected);
}

#[test]
fn zero_every_or_keep_is_a_config_error() {
    let (mut m, x, y) = setup();
    let mut cb = ModelCheckpoint::new(dir("zero"), "z").every(0);
    let err = m
        .fit_with_callbacks(&x, &y, None, &FitConfig::new().verbose(false), &mut [&mut cb])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    let mut cb = ModelCheckpoint::new(dir("zero2"), "z").keep_last(0);
    let err = m
        .fit_with_callbacks(&x, &y, None, &FitConfig::new().verbose(false), &mut [&mut cb])
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}
