//! `History` export: CSV and JSON layouts, files, and JSON round trips.

use std::path::PathBuf;

use trustnn::{Error, History};

fn out_dir(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("history")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Three epochs of loss and accuracy, validation for the first two only.
fn history() -> History {
    let mut h = History::default();
    for (loss, acc) in [(0.9f32, 0.5f32), (0.45, 0.75), (0.3, 0.875)] {
        h.push("loss", loss);
        h.push("accuracy", acc);
    }
    h.push("val_loss", 1.0);
    h.push("val_loss", 0.6);
    h
}

#[test]
fn csv_has_epoch_header_sorted_series_and_one_row_per_epoch_from_one() {
    assert_eq!(
        history().to_csv(),
        "epoch,accuracy,loss,val_loss\n1,0.5,0.9,1\n2,0.75,0.45,0.6\n3,0.875,0.3,\n"
    );
}

#[test]
fn csv_of_an_empty_history_is_the_header_alone() {
    assert_eq!(History::default().to_csv(), "epoch\n");
}

#[test]
fn csv_values_read_back_to_the_same_f32() {
    let mut h = History::default();
    let values = [0.1f32, 1.0 / 3.0, 1e-8, 123456.79, f32::MIN_POSITIVE];
    for v in values {
        h.push("x", v);
    }
    let csv = h.to_csv();
    let read: Vec<f32> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(read, values);
}

#[test]
fn csv_quotes_names_with_commas_or_quotes() {
    let mut h = History::default();
    h.push("f1, macro", 0.5);
    h.push("say \"hi\"", 1.0);
    assert_eq!(
        h.to_csv().lines().next().unwrap(),
        "epoch,\"f1, macro\",\"say \"\"hi\"\"\""
    );
}

#[test]
fn csv_writes_non_finite_values_as_nan_and_inf() {
    let mut h = History::default();
    h.push("loss", f32::NAN);
    h.push("loss", f32::INFINITY);
    assert_eq!(h.to_csv(), "epoch,loss\n1,NaN\n2,inf\n");
}

#[test]
fn json_layout_is_epochs_and_series() {
    assert_eq!(
        history().to_json(),
        serde_json::json!({
            "epochs": 3,
            "series": {
                "accuracy": [0.5, 0.75, 0.875],
                "loss": [0.9, 0.45, 0.3],
                "val_loss": [1.0, 0.6],
            }
        })
    );
}

#[test]
fn json_round_trip_gives_the_same_history() {
    let h = history();
    assert_eq!(History::from_json(&h.to_json()).unwrap(), h);
}

#[test]
fn json_round_trip_keeps_every_f32_bit_for_bit() {
    let mut h = History::default();
    for v in [
        0.1f32,
        1.0 / 3.0,
        1e-8,
        123456.79,
        f32::MIN_POSITIVE,
        f32::MAX,
        -2.5e-38,
    ] {
        h.push("x", v);
    }
    let text = serde_json::to_string(&h.to_json()).unwrap();
    let back = History::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
    let bits = |h: &History| {
        h.get("x")
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&back), bits(&h));
}

#[test]
fn json_round_trip_of_an_empty_history() {
    let h = History::default();
    assert_eq!(h.to_json(), serde_json::json!({"epochs": 0, "series": {}}));
    assert_eq!(History::from_json(&h.to_json()).unwrap(), h);
}

#[test]
fn json_writes_nan_as_null_and_reads_null_as_nan() {
    let mut h = History::default();
    h.push("loss", 1.0);
    h.push("loss", f32::NAN);
    let json = h.to_json();
    assert_eq!(json["series"]["loss"], serde_json::json!([1.0, null]));
    let back = History::from_json(&json).unwrap();
    assert_eq!(back.get("loss").unwrap()[0], 1.0);
    assert!(back.get("loss").unwrap()[1].is_nan());
}

#[test]
fn from_json_rejects_malformed_documents() {
    let bad = [
        serde_json::json!([1, 2]),
        serde_json::json!({"epochs": 1}),
        serde_json::json!({"series": {"loss": 0.5}}),
        serde_json::json!({"series": {"loss": [0.5, "x"]}}),
        serde_json::json!({"epochs": 2, "series": {"loss": [0.5]}}),
    ];
    for doc in bad {
        let err = History::from_json(&doc).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{doc}: {err}");
    }
}

#[test]
fn from_json_accepts_documents_without_epochs() {
    let h = History::from_json(&serde_json::json!({"series": {"loss": [0.5, 0.25]}})).unwrap();
    assert_eq!(h.epochs(), 2);
    assert_eq!(h.get("loss"), Some(&[0.5, 0.25][..]));
}

#[test]
fn csv_and_json_files_round_trip_through_disk() {
    let dir = out_dir("files");
    let h = history();
    h.write_csv(dir.join("h.csv")).unwrap();
    assert_eq!(std::fs::read_to_string(dir.join("h.csv")).unwrap(), h.to_csv());
    h.write_json(dir.join("h.json")).unwrap();
    assert_eq!(History::read_json(dir.join("h.json")).unwrap(), h);
}

#[test]
fn writing_into_a_missing_directory_is_an_io_error_naming_the_path() {
    let path = out_dir("missing").join("nope/h.csv");
    match history().write_csv(&path).unwrap_err() {
        Error::Io(e) => assert!(e.to_string().contains("nope/h.csv"), "{e}"),
        other => panic!("expected Io, got {other}"),
    }
    assert!(matches!(
        history().write_json(path.with_extension("json")),
        Err(Error::Io(_))
    ));
}

#[test]
fn read_json_of_a_missing_file_is_io_and_of_bad_text_is_format() {
    let dir = out_dir("read_bad");
    assert!(matches!(
        History::read_json(dir.join("absent.json")),
        Err(Error::Io(_))
    ));
    std::fs::write(dir.join("bad.json"), "{not json").unwrap();
    match History::read_json(dir.join("bad.json")).unwrap_err() {
        Error::Format { context, .. } => assert!(context.ends_with("bad.json"), "{context}"),
        other => panic!("expected Format, got {other}"),
    }
}
