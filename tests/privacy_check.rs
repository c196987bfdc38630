//! The data privacy check: direct identifiers and k-anonymity.
use trustnn::Tensor;
use trustnn::data::Dataset;
use trustnn::privacy::check::{DataPrivacyReport, Table, identifier_columns, k_anonymity};

fn table() -> Table {
    Table::from_csv(
        "id,zip,age,sex,diagnosis\n\
         1,10115,34,F,flu\n2,10115,34,F,cold\n3,10115,35,M,flu\n4,10117,35,M,asthma\n\
         5,10117,35,M,flu\n6,10117,35,M,cold\n7,10119,61,F,flu\n8,10115,34,F,flu\n",
    )
    .unwrap()
}

#[test]
fn a_unique_key_column_is_flagged_and_categorical_columns_are_not() {
    let cols = identifier_columns(&table(), 0.9).unwrap();
    let flagged: Vec<&str> = cols
        .iter()
        .filter(|c| c.flagged)
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(flagged, vec!["id"]);
    let id = &cols[0];
    assert_eq!(
        (id.distinct, id.distinct_fraction, id.singleton_fraction),
        (8, 1.0, 1.0)
    );
    let sex = cols.iter().find(|c| c.column == "sex").unwrap();
    assert_eq!((sex.distinct, sex.singleton_fraction), (2, 0.0));
}

#[test]
fn a_lower_threshold_flags_nearly_unique_columns() {
    // zip has 3 distinct values in 8 rows (0.375).
    let cols = identifier_columns(&table(), 0.3).unwrap();
    assert!(cols.iter().find(|c| c.column == "zip").unwrap().flagged);
    assert!(!cols.iter().find(|c| c.column == "sex").unwrap().flagged);
}

#[test]
fn k_anonymity_counts_the_smallest_class_and_rows_below_k() {
    // Classes over (zip, age): (10115,34)x3, (10115,35)x1, (10117,35)x3, (10119,61)x1.
    let k = k_anonymity(&table(), &["zip", "age"], 2).unwrap();
    assert_eq!(k.classes, 4);
    assert_eq!(k.smallest_class, 1);
    assert_eq!(k.classes_below_k, 2);
    assert_eq!(k.rows_below_k, 2);
    assert!(!k.satisfied());
    let k3 = k_anonymity(&table(), &["zip", "age"], 4).unwrap();
    assert_eq!(k3.rows_below_k, 8);
}

#[test]
fn a_coarse_quasi_identifier_is_k_anonymous() {
    let k = k_anonymity(&table(), &["sex"], 3).unwrap();
    assert_eq!(k.smallest_class, 4);
    assert!(k.satisfied());
}

#[test]
fn dataset_features_and_groups_are_checked_by_name() {
    let x = Tensor::from_rows(&[[1.0, 0.5], [2.0, 0.5], [3.0, 0.5], [4.0, 1.5]]).unwrap();
    let y = Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0], &[4]).unwrap();
    let ds = Dataset::new(x, y)
        .unwrap()
        .with_feature_names(&["account", "score"])
        .unwrap()
        .with_group("sex", vec!["F".into(), "F".into(), "M".into(), "M".into()])
        .unwrap();
    let t = Table::from_dataset(&ds).unwrap();
    assert_eq!(t.names(), &["account", "score", "sex"]);
    let r = DataPrivacyReport::new(&t, 0.9, &["score", "sex"], 2).unwrap();
    assert_eq!(r.flagged(), vec!["account"]);
    let k = r.k_anonymity.as_ref().unwrap();
    // (0.5,F)x2, (0.5,M)x1, (1.5,M)x1.
    assert_eq!((k.smallest_class, k.rows_below_k), (1, 2));
    assert!(r.to_string().contains("account"));
}

#[test]
fn bad_inputs_are_errors() {
    let t = table();
    assert!(k_anonymity(&t, &["nope"], 2).is_err());
    assert!(k_anonymity(&t, &[], 2).is_err());
    assert!(k_anonymity(&t, &["zip"], 0).is_err());
    assert!(identifier_columns(&t, 0.0).is_err());
    assert!(Table::new(vec!["a".into()], vec![vec![]]).is_err());
    assert!(Table::new(vec!["a".into(), "b".into()], vec![vec!["1".into()], vec![]]).is_err());
}
