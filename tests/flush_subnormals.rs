//! `optim::set_flush_subnormals`: a process-wide switch, so it has its own test binary and
//! the tests here take a lock (they would otherwise race on the switch).
use std::sync::Mutex;
use trustnn::optim::{Adam, AdamW, NAdam, Optimizer, RAdam, flush_subnormals, set_flush_subnormals};

static SWITCH: Mutex<()> = Mutex::new(());

/// Holds the lock (even after another test panicked) and turns the flush off when dropped,
/// so a failing test leaves the switch as it found it.
struct Switch(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

fn switch() -> Switch {
    let guard = SWITCH.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    set_flush_subnormals(false);
    Switch(guard)
}

impl Drop for Switch {
    fn drop(&mut self) {
        set_flush_subnormals(false);
    }
}

/// Runs `steps` updates with a gradient that becomes exactly zero after the first, so that
/// `exp_avg` decays by β₁ each step: 0.1·0.9^t falls below f32::MIN_POSITIVE after ~810 steps.
fn run(opt: &mut dyn Optimizer, steps: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut w = vec![0.5f32, -0.25];
    opt.update("w", &mut w, &[1.0, -1.0]);
    for _ in 1..steps {
        opt.update("w", &mut w, &[0.0, 0.0]);
    }
    let st = opt.state().param("w").unwrap();
    (
        w,
        st.buffer("exp_avg").unwrap().to_vec(),
        st.buffer("exp_avg_sq").unwrap().to_vec(),
    )
}

fn optimizers() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Adam::new(1e-3)),
        Box::new(Adam::new(1e-3).amsgrad(true)),
        Box::new(AdamW::new(1e-3)),
        Box::new(NAdam::new(1e-3)),
        Box::new(RAdam::new(1e-3)),
    ]
}

#[test]
fn off_by_default_the_moments_become_subnormal_as_in_pytorch() {
    let _switch = switch();
    assert!(!flush_subnormals());
    for mut opt in optimizers() {
        let (_, m, _) = run(opt.as_mut(), 900);
        assert!(m.iter().all(|v| v.is_subnormal()), "{}: {m:?}", opt.name());
    }
}

#[test]
fn with_the_flush_subnormal_moments_are_zero_and_parameters_unchanged() {
    let _switch = switch();
    for (mut plain, mut flushed) in optimizers().into_iter().zip(optimizers()) {
        let (w_plain, m_plain, _) = run(plain.as_mut(), 900);
        set_flush_subnormals(true);
        let (w_flush, m_flush, v_flush) = run(flushed.as_mut(), 900);
        set_flush_subnormals(false);
        assert!(m_plain.iter().all(|v| v.is_subnormal()));
        assert_eq!(m_flush, vec![0.0, 0.0], "{}", plain.name());
        assert!(
            v_flush.iter().all(|v| !v.is_subnormal()),
            "{}: {v_flush:?}",
            plain.name()
        );
        // The parameters moved by amounts far below their precision: bit-identical.
        assert_eq!(w_plain, w_flush, "{}", plain.name());
    }
}

#[test]
fn normal_values_are_untouched_by_the_flush() {
    let _switch = switch();
    let grads = [[0.3f32, -1.2], [0.01, 2.0], [-0.5, 0.0]];
    let go = |opt: &mut dyn Optimizer| {
        let mut w = vec![1.0f32, 2.0];
        for g in &grads {
            opt.update("w", &mut w, g);
        }
        w
    };
    let plain = go(&mut Adam::new(1e-2));
    set_flush_subnormals(true);
    let flushed = go(&mut Adam::new(1e-2));
    set_flush_subnormals(false);
    assert_eq!(plain, flushed);
}

#[test]
fn a_subnormal_second_moment_is_flushed_too() {
    // g = 1e-18: exp_avg = 0.1·g = 1e-19 (normal), exp_avg_sq = 0.001·g² = 1e-39 (subnormal).
    let _switch = switch();
    for flush in [false, true] {
        set_flush_subnormals(flush);
        for mut opt in optimizers() {
            let mut w = vec![0.5f32];
            opt.update("w", &mut w, &[1e-18]);
            let st = opt.state().param("w").unwrap();
            let v = st.buffer("exp_avg_sq").unwrap()[0];
            assert!(st.buffer("exp_avg").unwrap()[0].is_normal(), "{}", opt.name());
            if flush {
                assert_eq!(v, 0.0, "{}", opt.name());
            } else {
                assert!(v.is_subnormal(), "{}: {v}", opt.name());
            }
        }
    }
}
