//! Batching, train/test splits, k-fold cross-validation and preprocessing transformers.
//!
//! Reference values marked "scikit-learn 1.9.1" were computed with that version
//! (`StratifiedKFold(4).split`, `StandardScaler().fit`, ...) on the same inputs; the others
//! are worked out by hand in the comments.

use std::collections::BTreeSet;

use trustnn::data::{
    BatchBuf, Batches, Dataset, ImputeStrategy, KFold, LabelEncoder, MinMaxScaler, OneHotEncoder,
    SimpleImputer, StandardScaler, StratifiedKFold, UnknownCategory, train_test_split,
    train_test_split_indices,
};
use trustnn::{Error, Tensor};

/// A dataset of `labels.len()` samples whose single feature is the sample's index.
fn labelled(labels: &[f32]) -> Dataset {
    let n = labels.len();
    let x = Tensor::from_vec((0..n).map(|i| i as f32).collect(), &[n, 1]).unwrap();
    let y = Tensor::from_vec(labels.to_vec(), &[n]).unwrap();
    Dataset::new(x, y).unwrap()
}

/// `counts[c]` samples of class `c`, classes interleaved.
fn classes(counts: &[usize]) -> Vec<f32> {
    let mut left = counts.to_vec();
    let mut out = Vec::new();
    while left.iter().any(|&c| c > 0) {
        for (c, l) in left.iter_mut().enumerate() {
            if *l > 0 {
                out.push(c as f32);
                *l -= 1;
            }
        }
    }
    out
}

fn count_classes(y: &[f32], idx: &[usize], k: usize) -> Vec<usize> {
    let mut c = vec![0; k];
    for &i in idx {
        c[y[i] as usize] += 1;
    }
    c
}

fn sorted(v: &[usize]) -> Vec<usize> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

// ---------------------------------------------------------------------------------------
// train_test_split
// ---------------------------------------------------------------------------------------

#[test]
fn split_test_part_is_the_ceiling_of_the_fraction() {
    let y = Tensor::zeros(&[10]);
    let (train, test) = train_test_split_indices(&y, 0.25, 0, false).unwrap();
    assert_eq!((train.len(), test.len()), (7, 3)); // ceil(2.5) = 3
    let (train, test) = train_test_split_indices(&Tensor::zeros(&[30]), 0.1, 0, false).unwrap();
    assert_eq!((train.len(), test.len()), (27, 3)); // 0.1·30 is 3 in f64: no spurious 4
}

#[test]
fn split_parts_are_disjoint_and_cover_every_sample() {
    for stratify in [false, true] {
        let y = Tensor::from_vec(classes(&[20, 13, 8]), &[41]).unwrap();
        let (train, test) = train_test_split_indices(&y, 0.3, 5, stratify).unwrap();
        let mut all = train.clone();
        all.extend(&test);
        assert_eq!(sorted(&all), (0..41).collect::<Vec<_>>());
    }
}

#[test]
fn split_is_reproducible_from_the_seed_and_differs_between_seeds() {
    let ds = labelled(&classes(&[30, 20]));
    for stratify in [false, true] {
        let a = train_test_split(&ds, 0.2, 11, stratify).unwrap();
        let b = train_test_split(&ds, 0.2, 11, stratify).unwrap();
        let c = train_test_split(&ds, 0.2, 12, stratify).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.1.x(), c.1.x());
    }
}

#[test]
fn stratified_split_counts_match_scikit_learn() {
    // scikit-learn 1.9.1, train_test_split(test_size=0.2, stratify=y) with classes of 37, 23
    // and 11: 56 train, 15 test, test counts [8, 5, 2] for every random_state (no ties).
    let y = classes(&[37, 23, 11]);
    let t = Tensor::from_vec(y.clone(), &[71]).unwrap();
    for seed in 0..5 {
        let (train, test) = train_test_split_indices(&t, 0.2, seed, true).unwrap();
        assert_eq!((train.len(), test.len()), (56, 15));
        assert_eq!(count_classes(&y, &test, 3), vec![8, 5, 2]);
    }
}

#[test]
fn stratified_split_keeps_each_class_within_one_sample_of_its_share() {
    let counts = [50, 31, 17, 9, 4];
    let y = classes(&counts);
    let n = y.len();
    let t = Tensor::from_vec(y.clone(), &[n]).unwrap();
    for (frac, seed) in [(0.25, 1), (0.33, 2), (0.5, 3), (0.1, 4)] {
        let (_, test) = train_test_split_indices(&t, frac, seed, true).unwrap();
        let got = count_classes(&y, &test, counts.len());
        for (c, &m) in counts.iter().enumerate() {
            let share = m as f64 * test.len() as f64 / n as f64;
            assert!(
                (got[c] as f64 - share).abs() < 1.0,
                "class {c}: {} vs {share}",
                got[c]
            );
        }
    }
}

#[test]
fn stratified_split_puts_a_rare_class_in_both_parts() {
    // scikit-learn 1.9.1 puts both samples of the 2-sample class in the train part here
    // (test counts [10, 0]); we move one to the test part, keeping the part sizes.
    let mut y = vec![0.0; 98];
    y.extend([1.0, 1.0]);
    let t = Tensor::from_vec(y.clone(), &[100]).unwrap();
    for seed in 0..10 {
        let (train, test) = train_test_split_indices(&t, 0.1, seed, true).unwrap();
        assert_eq!((train.len(), test.len()), (90, 10));
        assert_eq!(count_classes(&y, &test, 2), vec![9, 1]);
        assert_eq!(count_classes(&y, &train, 2), vec![89, 1]);
    }
}

#[test]
fn stratified_split_reads_one_hot_targets_by_argmax() {
    let labels = classes(&[12, 8]);
    let mut onehot = Vec::new();
    for &l in &labels {
        onehot.extend(if l == 0.0 { [1.0, 0.0] } else { [0.0, 1.0] });
    }
    let y = Tensor::from_vec(onehot, &[20, 2]).unwrap();
    let (_, test) = train_test_split_indices(&y, 0.25, 3, true).unwrap();
    assert_eq!(count_classes(&labels, &test, 2), vec![3, 2]);
}

#[test]
fn stratified_split_rejects_a_class_with_one_member() {
    let ds = labelled(&[0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 2.0]);
    let err = train_test_split(&ds, 0.3, 0, true).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    assert!(err.to_string().contains("only 1 member"), "{err}");
    assert!(train_test_split(&ds, 0.3, 0, false).is_ok());
}

#[test]
fn stratified_split_rejects_a_test_part_smaller_than_the_number_of_classes() {
    let ds = labelled(&classes(&[10, 10, 10]));
    // ceil(0.05 · 30) = 2 test samples for 3 classes.
    let err = train_test_split(&ds, 0.05, 0, true).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
}

#[test]
fn split_rejects_a_fraction_outside_the_open_unit_interval() {
    let ds = labelled(&classes(&[5, 5]));
    for f in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        let err = train_test_split(&ds, f, 0, false).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { ref param, .. } if param.contains("test_fraction")));
    }
}

#[test]
fn split_rejects_an_empty_train_part() {
    let ds = labelled(&[0.0]);
    assert!(matches!(
        train_test_split(&ds, 0.5, 0, false),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn split_carries_weights_and_groups_with_their_samples() {
    let n = 12;
    let ds = labelled(&classes(&[6, 6]))
        .with_weights((0..n).map(|i| i as f32 * 0.5).collect())
        .unwrap()
        .with_group("g", (0..n).map(|i| format!("s{i}")).collect())
        .unwrap();
    let (train, test) = train_test_split(&ds, 0.25, 9, true).unwrap();
    for part in [&train, &test] {
        for (r, &x) in part.x().as_slice().iter().enumerate() {
            let i = x as usize; // the feature is the source index
            assert_eq!(part.weights().unwrap()[r], i as f32 * 0.5);
            assert_eq!(part.group("g").unwrap().values[r], format!("s{i}"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// KFold / StratifiedKFold
// ---------------------------------------------------------------------------------------

fn check_partition(folds: &[(Vec<usize>, Vec<usize>)], n: usize) {
    let mut seen = vec![0; n];
    for (train, test) in folds {
        for &i in test {
            seen[i] += 1;
        }
        let tr: BTreeSet<usize> = train.iter().copied().collect();
        let te: BTreeSet<usize> = test.iter().copied().collect();
        assert!(tr.is_disjoint(&te));
        assert_eq!(tr.len() + te.len(), n, "train is the complement of test");
        assert_eq!(train, &sorted(train));
        assert_eq!(test, &sorted(test));
    }
    assert!(
        seen.iter().all(|&s| s == 1),
        "every index in exactly one test fold"
    );
}

#[test]
fn kfold_matches_scikit_learn_unshuffled() {
    // scikit-learn 1.9.1, KFold(4).split(10 samples): test folds 0-2, 3-5, 6-7, 8-9.
    let folds = KFold::new(4).split(10).unwrap();
    let tests: Vec<Vec<usize>> = folds.iter().map(|f| f.1.clone()).collect();
    assert_eq!(tests, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9]]);
    check_partition(&folds, 10);
}

#[test]
fn kfold_shuffled_folds_partition_the_samples_with_sklearn_sizes() {
    let folds = KFold::new(5).shuffled(3).split(23).unwrap();
    check_partition(&folds, 23);
    let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
    assert_eq!(sizes, vec![5, 5, 5, 4, 4]); // the first 23 % 5 folds get one more
}

#[test]
fn kfold_shuffle_is_reproducible_and_seed_dependent() {
    let a = KFold::new(3).shuffled(1).split(30).unwrap();
    assert_eq!(a, KFold::new(3).shuffled(1).split(30).unwrap());
    assert_ne!(a, KFold::new(3).shuffled(2).split(30).unwrap());
    assert_ne!(a, KFold::new(3).split(30).unwrap());
}

#[test]
fn kfold_rejects_fewer_than_two_splits_or_more_splits_than_samples() {
    for (k, n) in [(0, 5), (1, 5), (6, 5)] {
        let err = KFold::new(k).split(n).unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig { ref param, .. } if param == "KFold.n_splits"),
            "{err}"
        );
    }
    assert!(KFold::new(5).split(5).is_ok());
}

#[test]
fn stratified_kfold_matches_scikit_learn_unshuffled() {
    // scikit-learn 1.9.1, StratifiedKFold(4).split(X, y) test folds.
    let y = [3., 1., 1., 2., 3., 3., 1., 2., 2., 3., 1., 3., 3., 2., 1., 3., 3.];
    let t = Tensor::from_vec(y.to_vec(), &[y.len()]).unwrap();
    let folds = StratifiedKFold::new(4).split(&t).unwrap();
    let tests: Vec<Vec<usize>> = folds.iter().map(|f| f.1.clone()).collect();
    assert_eq!(
        tests,
        vec![
            vec![0, 1, 2, 3, 4],
            vec![5, 6, 7, 9],
            vec![8, 10, 11, 12],
            vec![13, 14, 15, 16]
        ]
    );
    check_partition(&folds, y.len());

    // StratifiedKFold(3) on seven 0s then four 1s.
    let t = Tensor::from_vec(classes_in_blocks(&[7, 4]), &[11]).unwrap();
    let tests: Vec<Vec<usize>> = StratifiedKFold::new(3)
        .split(&t)
        .unwrap()
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert_eq!(tests, vec![vec![0, 1, 2, 7], vec![3, 4, 8, 9], vec![5, 6, 10]]);
}

fn classes_in_blocks(counts: &[usize]) -> Vec<f32> {
    counts
        .iter()
        .enumerate()
        .flat_map(|(c, &m)| std::iter::repeat_n(c as f32, m))
        .collect()
}

#[test]
fn stratified_kfold_folds_keep_class_proportions_within_one_sample() {
    let counts = [40, 25, 12, 6];
    let y = classes(&counts);
    let n = y.len();
    let t = Tensor::from_vec(y.clone(), &[n]).unwrap();
    for skf in [StratifiedKFold::new(5), StratifiedKFold::new(5).shuffled(8)] {
        let folds = skf.split(&t).unwrap();
        check_partition(&folds, n);
        let sizes: Vec<usize> = folds.iter().map(|f| f.1.len()).collect();
        assert_eq!(sizes, vec![17, 17, 17, 16, 16]); // 83 = 5·16 + 3
        for (_, test) in &folds {
            let got = count_classes(&y, test, counts.len());
            for (c, &m) in counts.iter().enumerate() {
                let share = m as f64 / 5.0;
                assert!(
                    (got[c] as f64 - share).abs() < 1.0,
                    "class {c}: {} vs {share}",
                    got[c]
                );
            }
        }
    }
}

#[test]
fn stratified_kfold_shuffle_is_reproducible_and_seed_dependent() {
    let t = Tensor::from_vec(classes(&[20, 20]), &[40]).unwrap();
    let a = StratifiedKFold::new(4).shuffled(5).split(&t).unwrap();
    assert_eq!(a, StratifiedKFold::new(4).shuffled(5).split(&t).unwrap());
    assert_ne!(a, StratifiedKFold::new(4).shuffled(6).split(&t).unwrap());
}

#[test]
fn stratified_kfold_rejects_a_class_smaller_than_n_splits() {
    // scikit-learn only warns here (class 1 has 2 members < 3 splits); we refuse.
    let t = Tensor::from_vec(classes(&[10, 2]), &[12]).unwrap();
    let err = StratifiedKFold::new(3).split(&t).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { .. }), "{err}");
    assert!(err.to_string().contains("only 2 members"), "{err}");
    assert!(StratifiedKFold::new(2).split(&t).is_ok());
    assert!(StratifiedKFold::new(1).split(&t).is_err());
    assert!(StratifiedKFold::new(13).split(&t).is_err());
}

#[test]
fn stratified_kfold_rejects_nan_targets() {
    let t = Tensor::from_vec(vec![0.0, 1.0, f32::NAN, 0.0, 1.0, 1.0], &[6]).unwrap();
    assert!(matches!(
        StratifiedKFold::new(2).split(&t),
        Err(Error::NonFinite { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------

fn ten_samples() -> Dataset {
    let x = Tensor::from_vec((0..20).map(|v| v as f32).collect(), &[10, 2]).unwrap();
    let y = Tensor::from_vec((0..10).map(|v| v as f32 * 10.0).collect(), &[10]).unwrap();
    Dataset::new(x, y)
        .unwrap()
        .with_weights((0..10).map(|v| v as f32 / 10.0).collect())
        .unwrap()
}

#[test]
fn batches_visit_every_sample_once_per_epoch_with_matching_rows() {
    let ds = ten_samples();
    let mut batches = ds.batches(3).unwrap().shuffle(4);
    for _ in 0..3 {
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        for b in &mut batches {
            for (r, &i) in b.indices.iter().enumerate() {
                assert_eq!(b.x.row(r).unwrap(), &[2.0 * i as f32, 2.0 * i as f32 + 1.0]);
                assert_eq!(b.y.as_slice()[r], i as f32 * 10.0);
                assert_eq!(b.weights.as_ref().unwrap()[r], i as f32 / 10.0);
            }
            sizes.push(b.indices.len());
            seen.extend(b.indices);
        }
        assert_eq!(sizes, vec![3, 3, 3, 1]);
        assert_eq!(sorted(&seen), (0..10).collect::<Vec<_>>());
    }
    assert_eq!(batches.epochs_started(), 3);
}

#[test]
fn batches_without_shuffle_follow_index_order() {
    let ds = ten_samples();
    let order: Vec<usize> = ds.batches(4).unwrap().flat_map(|b| b.indices).collect();
    assert_eq!(order, (0..10).collect::<Vec<_>>());
}

#[test]
fn drop_last_drops_the_partial_batch() {
    let ds = ten_samples();
    let b = ds.batches(4).unwrap().drop_last(true);
    assert_eq!(b.batches_per_epoch(), 2);
    let sizes: Vec<usize> = b.map(|b| b.indices.len()).collect();
    assert_eq!(sizes, vec![4, 4]);
    assert_eq!(ds.batches(4).unwrap().batches_per_epoch(), 3);
    assert_eq!(ds.batches(11).unwrap().drop_last(true).count(), 0);
}

#[test]
fn shuffled_epochs_are_reproducible_from_the_seed_and_differ_between_epochs() {
    let ds = ten_samples();
    // One batch per epoch; each epoch ends with `None`, and the next call starts a new one.
    let run = |seed: u64| {
        let mut b = ds.batches(10).unwrap().shuffle(seed);
        (0..3)
            .map(|_| {
                let order = b.next().unwrap().indices;
                assert!(b.next().is_none());
                order
            })
            .collect::<Vec<_>>()
    };
    let a = run(1);
    assert_eq!(a, run(1));
    assert_ne!(a[0], a[1], "a new permutation each epoch");
    assert_ne!(a, run(2));
}

#[test]
fn next_into_matches_the_iterator_and_reuses_the_buffer() {
    let ds = ten_samples();
    let owned: Vec<_> = ds.batches(4).unwrap().shuffle(7).collect();
    let mut b = ds.batches(4).unwrap().shuffle(7);
    let mut buf = BatchBuf::new();
    assert!(buf.is_empty());
    let mut k = 0;
    let mut ptr = None;
    while b.next_into(&mut buf) {
        assert_eq!(buf.x(), &owned[k].x);
        assert_eq!(buf.y(), &owned[k].y);
        assert_eq!(buf.weights(), owned[k].weights.as_deref());
        assert_eq!(buf.indices(), owned[k].indices.as_slice());
        if k == 1 {
            ptr = Some(buf.x().as_slice().as_ptr());
        }
        if k == 2 {
            // The partial last batch is gathered into the same allocation.
            assert_eq!(Some(buf.x().as_slice().as_ptr()), ptr);
        }
        k += 1;
    }
    assert_eq!(k, owned.len());
}

#[test]
fn batches_from_tensors_validate_their_inputs() {
    let x = Tensor::zeros(&[4, 2]);
    let y = Tensor::zeros(&[4]);
    let err = Batches::from_tensors(&x, &y, None, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { ref param, .. } if param == "Batches.batch_size"));
    assert!(matches!(
        Batches::from_tensors(&x, &Tensor::zeros(&[3]), None, 2),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(Batches::from_tensors(&x, &y, Some(&[1.0, 1.0]), 2).is_err());
    assert!(Batches::from_tensors(&x, &y, Some(&[1.0, -1.0, 1.0, 1.0]), 2).is_err());
    let no_w = Batches::from_tensors(&x, &y, None, 3).unwrap().next().unwrap();
    assert_eq!(no_w.weights, None);
}

// ---------------------------------------------------------------------------------------
// Scalers
// ---------------------------------------------------------------------------------------

fn x4() -> Tensor {
    Tensor::from_rows(&[
        [1.0, 10.0, 5.0],
        [2.0, 20.0, 5.0],
        [4.0, 40.0, 5.0],
        [9.0, 50.0, 5.0],
    ])
    .unwrap()
}

#[test]
fn standard_scaler_uses_the_mean_and_population_std() {
    // Column 0: mean 4, population variance (9+4+0+25)/4 = 9.5; column 1: mean 30,
    // variance (400+100+100+400)/4 = 250; column 2 constant: variance 0, scale 1
    // (scikit-learn 1.9.1 gives the same mean_, var_ and scale_).
    let mut s = StandardScaler::new();
    let z = s.fit_transform(&x4()).unwrap();
    assert_eq!(s.mean(), &[4.0, 30.0, 5.0]);
    assert_eq!(s.var(), &[9.5, 250.0, 0.0]);
    assert_eq!(s.scale(), &[9.5f64.sqrt(), 250f64.sqrt(), 1.0]);
    let expected = [
        -3.0 / 9.5f64.sqrt(),
        -20.0 / 250f64.sqrt(),
        0.0,
        -2.0 / 9.5f64.sqrt(),
        -10.0 / 250f64.sqrt(),
        0.0,
        0.0,
        10.0 / 250f64.sqrt(),
        0.0,
        5.0 / 9.5f64.sqrt(),
        20.0 / 250f64.sqrt(),
        0.0,
    ];
    for (a, e) in z.as_slice().iter().zip(expected) {
        assert!((*a as f64 - e).abs() < 1e-6, "{a} vs {e}");
    }
}

#[test]
fn standard_scaler_maps_a_constant_feature_to_zero() {
    let x = Tensor::from_rows(&[[0.1, 3.0], [0.1, 4.0], [0.1, 5.0]]).unwrap();
    let mut s = StandardScaler::new();
    let z = s.fit_transform(&x).unwrap();
    assert_eq!(s.scale()[0], 1.0);
    assert!(z.as_slice().iter().step_by(2).all(|&v| v.abs() < 1e-7));
}

#[test]
fn standard_scaler_inverse_transform_round_trips() {
    let x = Tensor::from_vec(
        (0..60).map(|i| ((i * 37) % 23) as f32 * 0.37 - 3.0).collect(),
        &[12, 5],
    )
    .unwrap();
    let mut s = StandardScaler::new();
    let z = s.fit_transform(&x).unwrap();
    let back = s.inverse_transform(&z).unwrap();
    assert!(back.max_abs_diff(&x) < 1e-6, "{}", back.max_abs_diff(&x));
}

#[test]
fn standard_scaler_options_skip_centering_or_scaling() {
    let mut s = StandardScaler::new().with_mean(false);
    let z = s.fit_transform(&x4()).unwrap();
    assert!((z.as_slice()[0] as f64 - 1.0 / 9.5f64.sqrt()).abs() < 1e-6);
    let mut s = StandardScaler::new().with_std(false);
    let z = s.fit_transform(&x4()).unwrap();
    assert_eq!(z.row(0).unwrap(), &[-3.0, -20.0, 0.0]);
}

#[test]
fn scalers_check_the_feature_count_and_fitting() {
    let mut s = StandardScaler::new();
    assert!(matches!(s.transform(&x4()), Err(Error::NotReady(_))));
    s.fit(&x4()).unwrap();
    assert!(matches!(
        s.transform(&Tensor::zeros(&[2, 2])),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        s.inverse_transform(&Tensor::zeros(&[2, 4])),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut m = MinMaxScaler::new();
    assert!(matches!(m.transform(&x4()), Err(Error::NotReady(_))));
    m.fit(&x4()).unwrap();
    assert!(matches!(
        m.transform(&Tensor::zeros(&[1, 2])),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn scalers_reject_nan_naming_row_and_column() {
    let x = Tensor::from_rows(&[[1.0, 2.0], [3.0, f32::NAN]]).unwrap();
    match StandardScaler::new().fit(&x) {
        Err(Error::NonFinite { position, .. }) => assert_eq!(position, "row 1, column 1"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        MinMaxScaler::new().fit(&x),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn min_max_scaler_matches_scikit_learn() {
    // scikit-learn 1.9.1, MinMaxScaler(feature_range=(-1, 2)): scale_ [0.375, 0.075, 3],
    // min_ [-1.375, -1.75, -16]; the constant column maps to -1 (the range minimum).
    let mut m = MinMaxScaler::new().feature_range(-1.0, 2.0);
    let z = m.fit_transform(&x4()).unwrap();
    assert_eq!(m.scale(), &[0.375, 3.0 / 40.0, 3.0]);
    assert_eq!(m.min(), &[-1.375, -1.75, -16.0]);
    let expected = [
        -1.0, -1.0, -1.0, -0.625, -0.25, -1.0, 0.125, 1.25, -1.0, 2.0, 2.0, -1.0,
    ];
    for (a, e) in z.as_slice().iter().zip(expected) {
        assert!((a - e).abs() < 1e-6, "{a} vs {e}");
    }
    let back = m.inverse_transform(&z).unwrap();
    assert!(back.max_abs_diff(&x4()) < 1e-5);
}

#[test]
fn min_max_scaler_clips_only_when_asked() {
    let mut m = MinMaxScaler::new();
    m.fit(&Tensor::from_rows(&[[0.0], [10.0]]).unwrap()).unwrap();
    let out = Tensor::from_rows(&[[-5.0], [20.0]]).unwrap();
    assert_eq!(m.transform(&out).unwrap().as_slice(), &[-0.5, 2.0]);
    let m = m.clip(true);
    assert_eq!(m.transform(&out).unwrap().as_slice(), &[0.0, 1.0]);
}

#[test]
fn min_max_scaler_rejects_an_empty_range() {
    let err = MinMaxScaler::new()
        .feature_range(1.0, 1.0)
        .fit(&x4())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { ref param, .. } if param == "MinMaxScaler.feature_range"));
}

#[test]
fn scalers_serialize_and_deserialize_unchanged() {
    let mut s = StandardScaler::new();
    s.fit(&x4()).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<StandardScaler>(&json).unwrap(), s);
    let mut e = OneHotEncoder::new();
    e.fit(&["c"], &[vec!["a", "b"]]).unwrap();
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<OneHotEncoder>(&json).unwrap(), e);
}

// ---------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------

fn people() -> [Vec<&'static str>; 2] {
    [
        vec!["Male", "Female", "Female", "Male", "Other"],
        vec!["b", "a", "c", "a", "b"],
    ]
}

#[test]
fn one_hot_categories_are_sorted_and_named_column_category() {
    let mut e = OneHotEncoder::new();
    e.fit(&["sex", "grp"], &people()).unwrap();
    assert_eq!(e.categories()[0], vec!["Female", "Male", "Other"]);
    assert_eq!(
        e.feature_names_out(),
        vec!["sex_Female", "sex_Male", "sex_Other", "grp_a", "grp_b", "grp_c"]
    );
    let x = e.transform(&people()).unwrap();
    assert_eq!(x.shape(), &[5, 6]);
    assert_eq!(x.row(0).unwrap(), &[0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(x.row(2).unwrap(), &[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn one_hot_round_trips_through_inverse_transform() {
    let mut e = OneHotEncoder::new();
    e.fit(&["sex", "grp"], &people()).unwrap();
    let back = e.inverse_transform(&e.transform(&people()).unwrap()).unwrap();
    for (col, orig) in back.iter().zip(people()) {
        let col: Vec<&str> = col.iter().map(|v| v.as_deref().unwrap()).collect();
        assert_eq!(col, orig);
    }
}

#[test]
fn one_hot_unknown_category_is_an_error_naming_column_and_value() {
    let mut e = OneHotEncoder::new();
    e.fit(&["sex", "grp"], &people()).unwrap();
    let err = e.transform(&[vec!["Male"], vec!["zzz"]]).unwrap_err();
    match &err {
        Error::UnknownName { context, name, known } => {
            assert!(context.contains("grp"), "{err}");
            assert_eq!(name, "zzz");
            assert_eq!(known, "a, b, c");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_hot_ignored_unknown_category_is_all_zeros() {
    let mut e = OneHotEncoder::new().handle_unknown(UnknownCategory::Ignore);
    e.fit(&["sex", "grp"], &people()).unwrap();
    let x = e.transform(&[vec!["Nope"], vec!["c"]]).unwrap();
    assert_eq!(x.as_slice(), &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(
        e.inverse_transform(&x).unwrap(),
        vec![vec![None], vec![Some("c".to_string())]]
    );
}

#[test]
fn one_hot_checks_the_number_of_columns() {
    let mut e = OneHotEncoder::new();
    e.fit(&["sex", "grp"], &people()).unwrap();
    assert!(matches!(
        e.transform(&[vec!["Male"]]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        e.transform(&[vec!["Male"], vec!["a", "b"]]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        e.inverse_transform(&Tensor::zeros(&[1, 5])),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn label_encoder_sorts_text_labels_and_round_trips() {
    let labels = ["dog", "cat", "emu", "cat", "Dog"];
    let mut e = LabelEncoder::new();
    let idx = e.fit_transform(&labels).unwrap();
    assert_eq!(e.classes(), &["Dog", "cat", "dog", "emu"]); // code-point order, as np.unique
    assert_eq!(idx, vec![2, 1, 3, 1, 0]);
    assert_eq!(e.inverse_transform(&idx).unwrap(), labels);
}

#[test]
fn label_encoder_sorts_numeric_labels_numerically() {
    let mut e = LabelEncoder::new();
    e.fit(&["10", "2", "-1", "2.5", "10"]).unwrap();
    assert_eq!(e.classes(), &["-1", "2", "2.5", "10"]);
}

#[test]
fn label_encoder_rejects_unknown_labels_and_indices() {
    let mut e = LabelEncoder::new();
    e.fit(&["a", "b"]).unwrap();
    assert!(matches!(e.transform(&["a", "c"]), Err(Error::UnknownName { ref name, .. }) if name == "c"));
    assert!(matches!(
        e.inverse_transform(&[0, 2]),
        Err(Error::LabelOutOfRange { row: 1, .. })
    ));
    assert!(matches!(
        LabelEncoder::new().transform(&["a"]),
        Err(Error::NotReady(_))
    ));
}

// ---------------------------------------------------------------------------------------
// SimpleImputer
// ---------------------------------------------------------------------------------------

fn with_gaps() -> Tensor {
    let nan = f32::NAN;
    Tensor::from_rows(&[[1.0, nan], [nan, 2.0], [7.0, 2.0], [7.0, 5.0], [1.0, 5.0]]).unwrap()
}

#[test]
fn imputer_mean_fills_with_the_mean_of_present_values() {
    // scikit-learn 1.9.1: statistics_ [4, 3.5].
    let mut imp = SimpleImputer::new(ImputeStrategy::Mean);
    let out = imp.fit_transform(&with_gaps()).unwrap();
    assert_eq!(imp.statistics(), &[4.0, 3.5]);
    assert_eq!(out.row(0).unwrap(), &[1.0, 3.5]);
    assert_eq!(out.row(1).unwrap(), &[4.0, 2.0]);
}

#[test]
fn imputer_most_frequent_takes_the_smallest_on_ties() {
    // scikit-learn 1.9.1: statistics_ [1, 2] (1 and 7 tie, 2 and 5 tie).
    let mut imp = SimpleImputer::new(ImputeStrategy::MostFrequent);
    imp.fit(&with_gaps()).unwrap();
    assert_eq!(imp.statistics(), &[1.0, 2.0]);
}

#[test]
fn imputer_constant_fills_with_the_given_value() {
    let mut imp = SimpleImputer::new(ImputeStrategy::Constant(-9.0));
    let out = imp.fit_transform(&with_gaps()).unwrap();
    assert_eq!(out.row(0).unwrap(), &[1.0, -9.0]);
    assert_eq!(out.row(1).unwrap(), &[-9.0, 2.0]);
}

#[test]
fn imputer_rejects_an_all_missing_feature_and_a_wrong_width() {
    let x = Tensor::from_rows(&[[1.0, f32::NAN], [2.0, f32::NAN]]).unwrap();
    let err = SimpleImputer::new(ImputeStrategy::Mean).fit(&x).unwrap_err();
    assert!(
        matches!(err, Error::EmptyInput { ref context } if context.contains("feature 1")),
        "{err}"
    );
    let mut imp = SimpleImputer::new(ImputeStrategy::Mean);
    imp.fit(&with_gaps()).unwrap();
    assert!(matches!(
        imp.transform(&Tensor::zeros(&[2, 3])),
        Err(Error::ShapeMismatch { .. })
    ));
    let inf = Tensor::from_rows(&[[f32::INFINITY, 1.0]]).unwrap();
    assert!(matches!(imp.transform(&inf), Err(Error::NonFinite { .. })));
}
