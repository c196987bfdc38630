//! [`ModelCard`]: the human-facing description saved with a model, after Mitchell et al.,
//! "Model Cards for Model Reporting", FAT* 2019 (intended use, training data, limitations),
//! and its Markdown export.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Free-form documentation of a model, stored in the model file (metadata entry
/// `"model_card"`, JSON) and exportable as Markdown.
///
/// ```
/// use trustnn::io::ModelCard;
/// let card = ModelCard::new("iris-classifier")
///     .intended_use("Teaching: classifying iris flowers from four measurements.")
///     .training_data("The 150 samples of Fisher's iris data set.")
///     .limitations("Not validated outside the three species it was trained on.")
///     .field("license", "MIT");
/// let md = card.to_markdown();
/// assert!(md.starts_with("# Model card: iris-classifier"));
/// assert!(md.contains("## Known limitations"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelCard {
    /// The model's name.
    pub name: String,
    /// A short description of what the model does.
    pub description: String,
    /// What the model is meant for, and by whom (and what it is not meant for).
    pub intended_use: String,
    /// The data it was trained and evaluated on: source, size, preprocessing, splits.
    pub training_data: String,
    /// Known limitations, failure modes, biases and caveats.
    pub limitations: String,
    /// Any other fields (authors, license, contact, version, ethical considerations, ...).
    pub fields: BTreeMap<String, String>,
}

impl ModelCard {
    /// A card for a model called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        ModelCard {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Sets the intended use.
    pub fn intended_use(mut self, text: impl Into<String>) -> Self {
        self.intended_use = text.into();
        self
    }

    /// Sets the training-data description.
    pub fn training_data(mut self, text: impl Into<String>) -> Self {
        self.training_data = text.into();
        self
    }

    /// Sets the known limitations.
    pub fn limitations(mut self, text: impl Into<String>) -> Self {
        self.limitations = text.into();
        self
    }

    /// Adds (or replaces) a free-form field.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(key.into(), value.into());
        self
    }

    /// The card as a Markdown document: a title, the description, one section each for
    /// intended use, training data and known limitations ("_Not provided._" where empty),
    /// and a table of the other fields.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let title = if self.name.is_empty() {
            "unnamed model"
        } else {
            &self.name
        };
        let _ = writeln!(md, "# Model card: {}\n", one_line(title));
        if !self.description.is_empty() {
            let _ = writeln!(md, "{}\n", self.description.trim());
        }
        for (heading, text) in [
            ("Intended use", &self.intended_use),
            ("Training data", &self.training_data),
            ("Known limitations", &self.limitations),
        ] {
            let _ = writeln!(md, "## {heading}\n");
            let body = if text.trim().is_empty() {
                "_Not provided._"
            } else {
                text.trim()
            };
            let _ = writeln!(md, "{body}\n");
        }
        if !self.fields.is_empty() {
            md.push_str("## Other fields\n\n| field | value |\n|---|---|\n");
            for (k, v) in &self.fields {
                let _ = writeln!(md, "| {} | {} |", table_cell(k), table_cell(v));
            }
            md.push('\n');
        }
        md
    }
}

/// Text for a Markdown heading: line breaks become spaces.
pub(crate) fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text for a Markdown table cell: `|` escaped, line breaks as `<br>`.
pub(crate) fn table_cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_every_section_and_escapes_table_cells() {
        let card = ModelCard::new("m")
            .description("Predicts things.")
            .intended_use("Demos.")
            .field("authors", "A | B\nC");
        let md = card.to_markdown();
        assert!(md.starts_with("# Model card: m\n\nPredicts things.\n\n## Intended use\n\nDemos.\n"));
        assert!(md.contains("## Training data\n\n_Not provided._\n"));
        assert!(md.contains("## Known limitations\n\n_Not provided._\n"));
        assert!(md.contains("| authors | A \\| B<br>C |"), "{md}");
    }

    #[test]
    fn the_card_round_trips_through_json_and_rejects_unknown_keys() {
        let card = ModelCard::new("m").limitations("x").field("k", "v");
        let json = serde_json::to_string(&card).unwrap();
        assert_eq!(serde_json::from_str::<ModelCard>(&json).unwrap(), card);
        assert!(serde_json::from_str::<ModelCard>(r#"{"nme":"typo"}"#).is_err());
    }
}
