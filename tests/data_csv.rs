//! The CSV loader on small generated files: column roles, detection, missing-value
//! policies, targets, and malformed input.

use std::path::PathBuf;

use trustnn::Error;
use trustnn::data::{CsvData, CsvOptions, Missing, Task, UnknownCategory, read_csv, read_csv_from_reader};

/// Writes `text` to a fresh file in a per-process temporary folder.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trustnn_data_csv_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn read(text: &str, opts: &CsvOptions) -> trustnn::Result<CsvData> {
    read_csv_from_reader(text.as_bytes(), opts)
}

/// The `reason` of a format error (panics on any other result).
fn format_reason(r: trustnn::Result<CsvData>) -> String {
    match r {
        Err(Error::Format { reason, .. }) => reason,
        other => panic!("expected a format error, got {other:?}"),
    }
}

const ADULT: &str = "\
age, workclass, sex, hours, income
39, State-gov, Male, 40, <=50K
50, Self-emp, Male, 13, <=50K
38, Private, Female, 40, >50K
53, Private, Female, 45, >50K
";

#[test]
fn reads_numeric_and_detected_categorical_columns_from_a_file() {
    let path = file("adult.csv", ADULT);
    let data = read_csv(&path, &CsvOptions::new("income", Task::Classification)).unwrap();
    let ds = &data.dataset;
    assert_eq!(data.columns, vec!["age", "workclass", "sex", "hours"]);
    assert_eq!(data.numeric_columns, vec!["age", "hours"]);
    assert_eq!(data.categorical_columns, vec!["workclass", "sex"]);
    assert_eq!(
        ds.feature_names(),
        &[
            "age",
            "workclass_Private",
            "workclass_Self-emp",
            "workclass_State-gov",
            "sex_Female",
            "sex_Male",
            "hours"
        ]
    );
    assert_eq!(ds.x().shape(), &[4, 7]);
    assert_eq!(ds.x().row(0).unwrap(), &[39.0, 0.0, 0.0, 1.0, 0.0, 1.0, 40.0]);
    assert_eq!(ds.x().row(3).unwrap(), &[53.0, 1.0, 0.0, 0.0, 1.0, 0.0, 45.0]);
    assert_eq!(ds.class_names(), &["<=50K", ">50K"]);
    assert_eq!(ds.y().shape(), &[4]);
    assert_eq!(ds.y().as_slice(), &[0.0, 0.0, 1.0, 1.0]);
    assert!(ds.groups().is_empty());
    assert!(data.label_encoder.is_some() && data.imputer.is_none());
}

#[test]
fn declared_categorical_columns_are_one_hot_even_when_numeric() {
    let text = "zip,size,y\n100,1.5,a\n200,2.5,b\n100,3.5,a\n";
    let data = read(
        text,
        &CsvOptions::new("y", Task::Classification).categorical(&["zip"]),
    )
    .unwrap();
    assert_eq!(data.dataset.feature_names(), &["zip_100", "zip_200", "size"]);
    assert_eq!(data.dataset.x().row(1).unwrap(), &[0.0, 1.0, 2.5]);
}

#[test]
fn text_in_a_declared_numeric_column_is_an_error_with_line_and_column() {
    let text = "a,b,y\n1,x,0\n2,y,1\n";
    let reason = format_reason(read(
        text,
        &CsvOptions::new("y", Task::Classification).categorical(&["a"]),
    ));
    assert!(reason.contains("line 2") && reason.contains("\"b\""), "{reason}");
}

#[test]
fn missing_values_are_errors_by_default_naming_line_and_column() {
    let text = "a,color,y\n1,red,0\n2,?,1\n3,blue,0\n";
    let reason = format_reason(read(text, &CsvOptions::new("y", Task::Classification)));
    assert!(
        reason.contains("line 3") && reason.contains("\"color\""),
        "{reason}"
    );
    let text = "a,color,y\n1,red,0\n2,blue,1\nNA,blue,0\n";
    let reason = format_reason(read(text, &CsvOptions::new("y", Task::Classification)));
    assert!(reason.contains("line 4") && reason.contains("\"a\""), "{reason}");
}

#[test]
fn question_mark_empty_and_na_are_missing_and_do_not_make_a_column_categorical() {
    let text = "a,b,y\n1, ?,0\n,4,1\n3,NA,0\n5,8,1\n";
    let data = read(
        text,
        &CsvOptions::new("y", Task::Regression).missing(Missing::ImputeMean),
    )
    .unwrap();
    assert_eq!(data.numeric_columns, vec!["a", "b"]);
    // a: mean of 1, 3, 5 = 3; b: mean of 4, 8 = 6.
    assert_eq!(
        data.dataset.x().as_slice(),
        &[1.0, 6.0, 3.0, 4.0, 3.0, 6.0, 5.0, 8.0]
    );
    assert_eq!(data.imputer.as_ref().unwrap().statistics(), &[3.0, 6.0]);
}

#[test]
fn impute_mean_fills_categorical_columns_with_the_most_frequent_category() {
    let text = "c,y\nred,0\nblue,1\n?,0\nred,1\nblue,0\n";
    let data = read(
        text,
        &CsvOptions::new("y", Task::Classification).missing(Missing::ImputeMean),
    )
    .unwrap();
    // red and blue tie (2 each): the smallest, "blue", fills the gap.
    assert_eq!(data.category_fill, vec!["blue"]);
    assert_eq!(data.dataset.feature_names(), &["c_blue", "c_red"]);
    assert_eq!(data.dataset.x().row(2).unwrap(), &[1.0, 0.0]);
}

#[test]
fn impute_most_frequent_fills_numeric_columns_with_the_mode() {
    let text = "a,y\n2,0\n7,1\n?,0\n7,1\n1,0\n";
    let data = read(
        text,
        &CsvOptions::new("y", Task::Classification).missing(Missing::ImputeMostFrequent),
    )
    .unwrap();
    assert_eq!(data.dataset.x().as_slice(), &[2.0, 7.0, 7.0, 7.0, 1.0]);
}

#[test]
fn an_all_missing_column_cannot_be_imputed() {
    let text = "a,b,y\n1,?,0\n2,,1\n";
    let reason = format_reason(read(
        text,
        &CsvOptions::new("y", Task::Classification).missing(Missing::ImputeMean),
    ));
    assert!(
        reason.contains("\"b\"") && reason.contains("every value is missing"),
        "{reason}"
    );
}

#[test]
fn group_columns_are_kept_out_of_the_features() {
    let path = file("groups.csv", ADULT);
    let opts = CsvOptions::new("income", Task::Classification).groups(&["sex", "age"]);
    let data = read_csv(&path, &opts).unwrap();
    assert_eq!(data.columns, vec!["workclass", "hours"]);
    assert_eq!(data.dataset.n_features(), 4);
    assert_eq!(
        data.dataset.group("sex").unwrap().values,
        vec!["Male", "Male", "Female", "Female"]
    );
    assert_eq!(
        data.dataset.group("age").unwrap().values,
        vec!["39", "50", "38", "53"]
    );
}

#[test]
fn groups_as_features_are_also_encoded() {
    let opts = CsvOptions::new("income", Task::Classification)
        .groups(&["sex"])
        .groups_as_features(true);
    let data = read(ADULT, &opts).unwrap();
    assert_eq!(data.columns, vec!["age", "workclass", "sex", "hours"]);
    assert!(data.dataset.feature_names().contains(&"sex_Female".to_string()));
    assert_eq!(data.dataset.group("sex").unwrap().values[2], "Female");
}

#[test]
fn dropped_columns_are_ignored() {
    let opts = CsvOptions::new("income", Task::Classification).drop(&["workclass", "hours"]);
    let data = read(ADULT, &opts).unwrap();
    assert_eq!(data.dataset.feature_names(), &["age", "sex_Female", "sex_Male"]);
}

#[test]
fn regression_targets_are_numbers() {
    let text = "x,price\n1,10.5\n2,-3e2\n";
    let data = read(text, &CsvOptions::new("price", Task::Regression)).unwrap();
    assert_eq!(data.dataset.y().as_slice(), &[10.5, -300.0]);
    assert!(data.label_encoder.is_none() && data.dataset.class_names().is_empty());
    let reason = format_reason(read(
        "x,price\n1,10\n2,cheap\n",
        &CsvOptions::new("price", Task::Regression),
    ));
    assert!(
        reason.contains("line 3") && reason.contains("\"price\""),
        "{reason}"
    );
}

#[test]
fn numeric_looking_class_labels_are_encoded_by_text_in_numeric_order() {
    let text = "x,y\n1,10\n2,2\n3,1\n4,2\n";
    let data = read(text, &CsvOptions::new("y", Task::Classification)).unwrap();
    assert_eq!(data.dataset.class_names(), &["1", "2", "10"]);
    assert_eq!(data.dataset.y().as_slice(), &[2.0, 1.0, 0.0, 1.0]);
}

#[test]
fn a_missing_target_value_is_an_error_even_when_imputing() {
    let text = "x,y\n1,a\n2,?\n";
    let opts = CsvOptions::new("y", Task::Classification).missing(Missing::ImputeMean);
    let reason = format_reason(read(text, &opts));
    assert!(
        reason.contains("line 3") && reason.contains("missing target"),
        "{reason}"
    );
}

#[test]
fn a_row_with_the_wrong_number_of_fields_reports_its_line() {
    let text = "a,b,y\n1,2,0\n3,4,1\n5,6,7,0\n8,9,1\n";
    let path = file("ragged.csv", text);
    match read_csv(&path, &CsvOptions::new("y", Task::Classification)) {
        Err(Error::Format { context, reason }) => {
            assert!(context.contains("ragged.csv"), "{context}");
            assert!(
                reason.starts_with("line 4:") && reason.contains("4 fields"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    let reason = format_reason(read(
        "a,b,y\n1,2,0\n3,1\n",
        &CsvOptions::new("y", Task::Classification),
    ));
    assert!(reason.starts_with("line 3:"), "{reason}");
}

#[test]
fn an_unknown_target_or_group_column_is_a_format_error_listing_the_columns() {
    let reason = format_reason(read(ADULT, &CsvOptions::new("salary", Task::Classification)));
    assert!(
        reason.contains("\"salary\"") && reason.contains("age, workclass, sex, hours, income"),
        "{reason}"
    );
    let reason = format_reason(read(
        ADULT,
        &CsvOptions::new("income", Task::Classification).groups(&["race"]),
    ));
    assert!(reason.contains("\"race\""), "{reason}");
    let reason = format_reason(read(
        ADULT,
        &CsvOptions::new("income", Task::Classification).categorical(&["job"]),
    ));
    assert!(reason.contains("\"job\""), "{reason}");
}

#[test]
fn conflicting_column_roles_are_configuration_errors() {
    let opts = CsvOptions::new("income", Task::Classification).groups(&["income"]);
    assert!(matches!(read(ADULT, &opts), Err(Error::InvalidConfig { .. })));
    let opts = CsvOptions::new("income", Task::Classification).drop(&["income"]);
    assert!(matches!(read(ADULT, &opts), Err(Error::InvalidConfig { .. })));
}

#[test]
fn a_file_with_no_rows_or_a_duplicate_header_is_rejected() {
    let opts = CsvOptions::new("y", Task::Classification);
    assert!(matches!(read("x,y\n", &opts), Err(Error::EmptyInput { .. })));
    assert!(matches!(read("", &opts), Err(Error::Format { .. })));
    let reason = format_reason(read("x,x,y\n1,2,0\n", &opts));
    assert!(reason.contains("twice"), "{reason}");
    let reason = format_reason(read(
        "x,y\n1,0\n2,1\n",
        &CsvOptions::new("y", Task::Classification).drop(&["x"]),
    ));
    assert!(reason.contains("no feature columns"), "{reason}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let path = std::env::temp_dir().join("trustnn_no_such_dir_for_csv/none.csv");
    assert!(matches!(
        read_csv(path, &CsvOptions::new("y", Task::Regression)),
        Err(Error::Io(_))
    ));
}

#[test]
fn delimiter_quotes_and_trimming_are_honoured() {
    let text = "name;v;y\n\"Smith; J\";1;a\n  Doe ;2;b\n";
    let data = read(text, &CsvOptions::new("y", Task::Classification).delimiter(b';')).unwrap();
    assert_eq!(data.dataset.feature_names(), &["name_Doe", "name_Smith; J", "v"]);
    let untrimmed = read(
        text,
        &CsvOptions::new("y", Task::Classification)
            .delimiter(b';')
            .trim(false),
    )
    .unwrap();
    assert_eq!(
        untrimmed.dataset.feature_names(),
        &["name_  Doe ", "name_Smith; J", "v"]
    );
}

#[test]
fn transform_csv_encodes_another_file_with_the_fitted_preprocessing() {
    let train = "a,c,y\n1,red,no\n?,blue,yes\n5,red,no\n";
    let opts = CsvOptions::new("y", Task::Classification).missing(Missing::ImputeMean);
    let data = read(train, &opts).unwrap();
    let test = file("test.csv", "a,c,y\n?,blue,no\n2,?,yes\n");
    let ds = data.transform_csv(&test).unwrap();
    // a's gap takes the training mean 3; c's gap the training mode "red".
    assert_eq!(ds.x().as_slice(), &[3.0, 1.0, 0.0, 2.0, 0.0, 1.0]);
    assert_eq!(ds.feature_names(), data.dataset.feature_names());
    assert_eq!(ds.y().as_slice(), &[0.0, 1.0]);

    let reason = match data.transform_csv_reader("a,c,y\n1,red,no\n2,green,yes\n".as_bytes()) {
        Err(Error::Format { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert!(
        reason.contains("line 3") && reason.contains("\"green\""),
        "{reason}"
    );
    let reason = match data.transform_csv_reader("a,c,y\n1,red,maybe\n".as_bytes()) {
        Err(Error::Format { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert!(
        reason.contains("line 2") && reason.contains("unknown class"),
        "{reason}"
    );

    let mut lenient = data.clone();
    lenient.encoder = lenient.encoder.map(|e| e.handle_unknown(UnknownCategory::Ignore));
    let ds = lenient
        .transform_csv_reader("a,c,y\n1,green,no\n".as_bytes())
        .unwrap();
    assert_eq!(ds.x().as_slice(), &[1.0, 0.0, 0.0]);
}

#[test]
fn invalid_utf8_is_a_format_error_with_its_line() {
    let reason = format_reason(read_csv_from_reader(
        &b"a,y\n1,0\n\xff,1\n"[..],
        &CsvOptions::new("y", Task::Regression),
    ));
    assert!(
        reason.starts_with("line 3:") && reason.contains("UTF-8"),
        "{reason}"
    );
}
