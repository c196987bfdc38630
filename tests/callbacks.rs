//! Callbacks: early stopping on scripted loss sequences (Keras' semantics), the divergence
//! guard on an exploding learning rate, plateau reduction, schedules and gradient clipping.

use trustnn::model::{DivergenceGuard, EarlyStopping, LrScheduler, MonitorMode, ReduceLrOnPlateau};
use trustnn::optim::schedule::{LinearLr, SequentialLr, StepLr};
use trustnn::prelude::*;

fn model() -> Sequential {
    let mut m = Sequential::new().seed(1).add(Dense::new(2, 1));
    m.compile(MeanSquaredError, Sgd::new(0.1)).unwrap();
    m
}

/// Feeds `values` of `monitor` to `cb` epoch by epoch (setting the weights to the epoch index
/// so restores can be observed); returns the epoch at which it stopped, if it did.
fn script(
    cb: &mut dyn Callback,
    monitor: &str,
    values: &[f32],
    m: &mut Sequential,
) -> Option<(usize, String)> {
    cb.on_train_begin(m).unwrap();
    let mut h = History::default();
    for (epoch, &v) in values.iter().enumerate() {
        m.set_param("dense.weight", &Tensor::full(&[2, 1], epoch as f32))
            .unwrap();
        h.push(monitor, v);
        if let Control::Stop(reason) = cb.on_epoch_end(epoch, &h, m).unwrap() {
            return Some((epoch, reason));
        }
    }
    None
}

#[test]
fn early_stopping_stops_after_patience_epochs_without_improvement() {
    let mut m = model();
    let mut es = EarlyStopping::new("val_loss").patience(2);
    // best at epoch 2 (0.5); epochs 3 and 4 do not improve → stop at epoch 4.
    let stop = script(&mut es, "val_loss", &[1.0, 0.8, 0.5, 0.6, 0.55, 0.4], &mut m);
    assert_eq!(stop.map(|s| s.0), Some(4));
    assert_eq!(es.best(), Some((2, 0.5)));
}

#[test]
fn early_stopping_restores_the_best_epochs_weights() {
    let mut m = model();
    let mut es = EarlyStopping::new("val_loss")
        .patience(2)
        .restore_best_weights(true);
    let (epoch, reason) = script(&mut es, "val_loss", &[1.0, 0.8, 0.5, 0.6, 0.55], &mut m).unwrap();
    assert_eq!(epoch, 4);
    assert!(reason.contains("restored"), "{reason}");
    // Weights were set to the epoch index: epoch 2's weights are back.
    assert_eq!(m.param("dense.weight").unwrap().as_slice(), &[2.0, 2.0]);
}

#[test]
fn early_stopping_min_delta_ignores_small_improvements() {
    let mut m = model();
    let mut es = EarlyStopping::new("val_loss").patience(1).min_delta(0.1);
    // 0.95 and 0.9 are within 0.1 of 1.0: no improvement → stops at epoch 1.
    assert_eq!(
        script(&mut es, "val_loss", &[1.0, 0.95, 0.9], &mut m).map(|s| s.0),
        Some(1)
    );
}

#[test]
fn early_stopping_in_max_mode_watches_for_increases() {
    let mut m = model();
    let mut es = EarlyStopping::new("val_accuracy").patience(1);
    assert_eq!(
        script(&mut es, "val_accuracy", &[0.5, 0.7, 0.6, 0.9], &mut m).map(|s| s.0),
        Some(2)
    );
    let mut es = EarlyStopping::new("score").mode(MonitorMode::Max).patience(1);
    assert_eq!(
        script(&mut es, "score", &[0.5, 0.7, 0.7], &mut m).map(|s| s.0),
        Some(2)
    );
}

#[test]
fn early_stopping_baseline_must_be_beaten() {
    let mut m = model();
    // Improving but never below the baseline 0.3: the wait is never reset, so it reaches the
    // patience of 2 at epoch 1 (Keras counts the wait from the first epoch).
    let mut es = EarlyStopping::new("val_loss").patience(2).baseline(0.3);
    assert_eq!(
        script(&mut es, "val_loss", &[1.0, 0.9, 0.8, 0.7], &mut m).map(|s| s.0),
        Some(1)
    );
    // Beating the baseline resets the wait as usual: best 0.8 at epoch 2, stop at epoch 4.
    let mut es = EarlyStopping::new("val_loss").patience(2).baseline(0.95);
    assert_eq!(
        script(&mut es, "val_loss", &[1.0, 0.9, 0.8, 0.85, 0.86], &mut m).map(|s| s.0),
        Some(4)
    );
}

#[test]
fn early_stopping_on_an_unknown_quantity_is_an_error_naming_it() {
    let mut m = model();
    let x = Tensor::zeros(&[4, 2]);
    let y = Tensor::zeros(&[4, 1]);
    let mut es = EarlyStopping::new("val_los");
    let err = m.fit_with_callbacks(
        &x,
        &y,
        None,
        &FitConfig::new().epochs(2).verbose(false),
        &mut [&mut es],
    );
    let msg = err.unwrap_err().to_string();
    assert!(msg.contains("val_los") && msg.contains("loss"), "{msg}");
}

#[test]
fn early_stopping_inside_fit_records_the_reason() {
    // Validation targets the model cannot fit better over time: noise.
    let x = Tensor::from_rows(&[[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 2.0, 3.0, 0.0], &[4, 1]).unwrap();
    let vx = Tensor::from_rows(&[[0.5, 0.5]]).unwrap();
    let vy = Tensor::from_vec(vec![100.0], &[1, 1]).unwrap();
    let mut m = model();
    let mut es = EarlyStopping::new("val_loss").patience(3);
    let cfg = FitConfig::new()
        .epochs(200)
        .batch_size(4)
        .validation_data(vx, vy)
        .verbose(false);
    let h = m.fit_with_callbacks(&x, &y, None, &cfg, &mut [&mut es]).unwrap();
    assert!(h.epochs() < 200, "ran {} epochs", h.epochs());
    assert_eq!(h.stopped_epoch(), Some(h.epochs() - 1));
    assert!(h.stop_reason().unwrap().contains("val_loss"));
}

#[test]
fn divergence_guard_fires_on_an_exploding_learning_rate_and_leaves_finite_weights() {
    let x = Tensor::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4, 1]).unwrap();
    let mut m = Sequential::new()
        .seed(1)
        .add(Dense::new(2, 8))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(8, 1));
    m.compile(MeanSquaredError, Sgd::new(10.0)).unwrap();
    let initial = m.state_dict();
    let mut guard = DivergenceGuard::default();
    let cfg = FitConfig::new().epochs(50).batch_size(1).verbose(false);
    let h = m
        .fit_with_callbacks(&x, &y, None, &cfg, &mut [&mut guard])
        .unwrap();
    let reason = h.stop_reason().expect("the guard should have stopped training");
    assert!(reason.starts_with("diverged"), "{reason}");
    assert!(
        m.params()
            .all(|p| p.value().as_slice().iter().all(|v| v.is_finite()))
    );
    if reason.contains("initial weights") {
        assert_eq!(m.state_dict(), initial);
    }
    // Without the guard the same run ends with non-finite weights.
    let mut m2 = Sequential::new()
        .seed(1)
        .add(Dense::new(2, 8))
        .add(ActivationLayer::new(Relu))
        .add(Dense::new(8, 1));
    m2.compile(MeanSquaredError, Sgd::new(10.0)).unwrap();
    m2.fit(&x, &y, &cfg).unwrap();
    assert!(
        m2.params()
            .any(|p| p.value().as_slice().iter().any(|v| !v.is_finite()))
    );
}

#[test]
fn divergence_guard_fires_when_the_epoch_loss_explodes_past_the_factor() {
    let mut m = model();
    let mut guard = DivergenceGuard::new(5.0);
    let stop = script(&mut guard, "loss", &[1.0, 0.5, 0.4, 2.5], &mut m).unwrap();
    assert_eq!(stop.0, 3);
    assert!(stop.1.contains("restored the weights of epoch 3"), "{}", stop.1);
    assert_eq!(m.param("dense.weight").unwrap().as_slice(), &[2.0, 2.0]);
}

#[test]
fn reduce_lr_on_plateau_multiplies_the_rate_after_patience_epochs() {
    let mut m = model();
    let mut r = ReduceLrOnPlateau::new("val_loss")
        .patience(2)
        .factor(0.5)
        .min_lr(0.02);
    r.on_train_begin(&mut m).unwrap();
    let mut h = History::default();
    let mut lrs = Vec::new();
    for (e, v) in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0].iter().enumerate() {
        h.push("val_loss", *v);
        r.on_epoch_end(e, &h, &mut m).unwrap();
        lrs.push(m.optimizer().unwrap().learning_rate());
    }
    // Epoch 0 improves on +inf; epochs 1,2 wait → reduce at 2; 3,4 → at 4; then floor 0.02.
    let want = [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02];
    for (a, b) in lrs.iter().zip(want) {
        assert!((a - b).abs() < 1e-7, "{lrs:?}");
    }
}

#[test]
fn lr_scheduler_sets_the_documented_rate_each_epoch() {
    let x = Tensor::zeros(&[4, 2]);
    let y = Tensor::zeros(&[4, 1]);
    let mut m = model();
    let sched = SequentialLr::new(Box::new(LinearLr::warmup(0.5, 2))).then(
        2,
        Box::new(StepLr {
            step_size: 1,
            gamma: 0.1,
        }),
    );
    let mut cb = LrScheduler::new(sched);
    let h = m
        .fit_with_callbacks(
            &x,
            &y,
            None,
            &FitConfig::new().epochs(4).verbose(false),
            &mut [&mut cb],
        )
        .unwrap();
    let want = [0.05, 0.075, 0.1, 0.01];
    for (a, b) in h.get("lr").unwrap().iter().zip(want) {
        assert!((a - b).abs() < 1e-7, "{:?}", h.get("lr"));
    }
}

#[test]
fn global_norm_clipping_scales_the_step_as_torch_does() {
    // One SGD step with lr 1 on MSE: the update equals the (clipped) gradient.
    let x = Tensor::from_rows(&[[3.0, 4.0]]).unwrap();
    let y = Tensor::from_vec(vec![0.0], &[1, 1]).unwrap();
    let run = |clip: Option<GradientClip>| {
        let mut m = Sequential::new().seed(1).add(Dense::new(2, 1).without_bias());
        m.compile(MeanSquaredError, Sgd::new(1.0)).unwrap();
        m.set_param(
            "dense.weight",
            &Tensor::from_vec(vec![1.0, 1.0], &[2, 1]).unwrap(),
        )
        .unwrap();
        let mut cfg = FitConfig::new().epochs(1).batch_size(1).verbose(false);
        if let Some(c) = clip {
            cfg = cfg.clip(c);
        }
        m.fit(&x, &y, &cfg).unwrap();
        m.param("dense.weight").unwrap().as_slice().to_vec()
    };
    // ŷ = 7, dL/dw = 2·7·x = (42, 56), ‖g‖ = 70.
    assert_eq!(run(None), vec![1.0 - 42.0, 1.0 - 56.0]);
    let clipped = run(Some(GradientClip::GlobalNorm(7.0)));
    let coef = 7.0 / (70.0 + 1e-6);
    assert!((clipped[0] - (1.0 - 42.0 * coef)).abs() < 1e-5, "{clipped:?}");
    assert!((clipped[1] - (1.0 - 56.0 * coef)).abs() < 1e-5, "{clipped:?}");
    assert_eq!(run(Some(GradientClip::Value(10.0))), vec![-9.0, -9.0]);
    // A norm already below the limit is left alone.
    assert_eq!(
        run(Some(GradientClip::GlobalNorm(100.0))),
        vec![1.0 - 42.0, 1.0 - 56.0]
    );
}

#[test]
fn bad_clip_and_callback_settings_are_config_errors() {
    let mut m = model();
    let (x, y) = (Tensor::zeros(&[2, 2]), Tensor::zeros(&[2, 1]));
    assert!(matches!(
        m.fit(&x, &y, &FitConfig::new().clip(GradientClip::GlobalNorm(-1.0))),
        Err(Error::InvalidConfig { .. })
    ));
    let mut g = DivergenceGuard::new(0.5);
    assert!(matches!(
        m.fit_with_callbacks(&x, &y, None, &FitConfig::new(), &mut [&mut g]),
        Err(Error::InvalidConfig { .. })
    ));
    let mut r = ReduceLrOnPlateau::new("loss").factor(1.5);
    assert!(matches!(
        m.fit_with_callbacks(&x, &y, None, &FitConfig::new(), &mut [&mut r]),
        Err(Error::InvalidConfig { .. })
    ));
}
