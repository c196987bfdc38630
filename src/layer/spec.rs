//! [`LayerSpec`]: a complete, serializable description of a built-in layer's configuration,
//! from which [`from_spec`] rebuilds an equal (unbuilt) layer. Model files
//! ([`crate::io`]) store one per layer, next to the weights.
//!
//! A spec holds every constructor argument (sizes, rates, initializers, the regularizer,
//! the activation and its parameters) but no weights: a layer rebuilt from its spec and
//! built again has fresh parameters, which the model file then overwrites.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ActivationLayer, BatchNorm, Dense, Dropout, Flatten, Layer};
use crate::activation;
use crate::error::Result;
use crate::init::Initializer;
use crate::regularizer::{self, RegularizerSpec};

/// The configuration of a built-in layer, serialized with a `"kind"` tag
/// (`{"kind": "dropout", "rate": 0.5}`).
///
/// Obtained from [`Layer::spec`]; turned back into a layer by [`from_spec`].
///
/// ```
/// use trustnn::layer::{from_spec, Dropout, Layer, LayerSpec};
/// let spec = Dropout::new(0.25).spec().unwrap();
/// assert_eq!(spec, LayerSpec::Dropout { rate: 0.25 });
/// assert_eq!(serde_json::to_string(&spec).unwrap(), r#"{"kind":"dropout","rate":0.25}"#);
/// assert_eq!(from_spec(&spec)?.spec(), Some(spec));
/// # Ok::<(), trustnn::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum LayerSpec {
    /// [`Dense`].
    Dense {
        /// Number of input features.
        in_features: usize,
        /// Number of output features.
        out_features: usize,
        /// Whether the layer has a bias.
        bias: bool,
        /// The weight initializer (only used when the layer is built afresh).
        weight_init: InitSpec,
        /// The bias initializer.
        bias_init: InitSpec,
        /// The weight penalty, if any.
        regularizer: Option<RegularizerSpec>,
    },
    /// [`ActivationLayer`] with the activation [`activation::from_spec`] rebuilds.
    Activation {
        /// The activation's [`activation::Activation::name`].
        activation: String,
        /// Its [`activation::Activation::params`] (a JSON object, in this order).
        #[serde(with = "exact_f32::pairs", default)]
        params: Vec<(String, f32)>,
    },
    /// [`Dropout`].
    Dropout {
        /// The drop probability.
        #[serde(with = "exact_f32")]
        rate: f32,
    },
    /// [`BatchNorm`].
    BatchNorm {
        /// Number of features.
        num_features: usize,
        /// The `ε` added to the variance.
        #[serde(with = "exact_f32")]
        eps: f32,
        /// The running-statistics momentum (PyTorch's convention).
        #[serde(with = "exact_f32")]
        momentum: f32,
        /// Whether the layer has a learned scale and shift.
        affine: bool,
    },
    /// [`Flatten`].
    Flatten,
}

impl LayerSpec {
    /// The layer kind the spec describes ([`Layer::kind`]: `"dense"`, `"activation"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Activation { .. } => "activation",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::BatchNorm { .. } => "batch_norm",
            LayerSpec::Flatten => "flatten",
        }
    }

    /// The number of values (parameters and buffers) the layer holds once built, computed
    /// without building it; `None` if the count overflows `usize`. Model files use it to
    /// check that the weights they carry can fill the layers they describe before any
    /// memory is allocated for them.
    pub fn num_values(&self) -> Option<usize> {
        match *self {
            LayerSpec::Dense {
                in_features,
                out_features,
                bias,
                ..
            } => in_features
                .checked_mul(out_features)?
                .checked_add(if bias { out_features } else { 0 }),
            LayerSpec::BatchNorm {
                num_features, affine, ..
            } => num_features.checked_mul(if affine { 4 } else { 2 }),
            LayerSpec::Activation { .. } | LayerSpec::Dropout { .. } | LayerSpec::Flatten => Some(0),
        }
    }
}

/// A serializable mirror of [`Initializer`] (`{"kind": "glorot_uniform"}`,
/// `{"kind": "uniform", "low": -0.1, "high": 0.1}`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum InitSpec {
    /// [`Initializer::Zeros`].
    Zeros,
    /// [`Initializer::Constant`].
    Constant {
        #[serde(with = "exact_f32")]
        value: f32,
    },
    /// [`Initializer::Uniform`].
    Uniform {
        #[serde(with = "exact_f32")]
        low: f32,
        #[serde(with = "exact_f32")]
        high: f32,
    },
    /// [`Initializer::Normal`].
    Normal {
        #[serde(with = "exact_f32")]
        mean: f32,
        #[serde(with = "exact_f32")]
        std: f32,
    },
    /// [`Initializer::GlorotUniform`].
    GlorotUniform,
    /// [`Initializer::GlorotNormal`].
    GlorotNormal,
    /// [`Initializer::HeUniform`].
    HeUniform,
    /// [`Initializer::HeNormal`].
    HeNormal,
    /// [`Initializer::LecunNormal`].
    LecunNormal,
    /// [`Initializer::LecunUniform`].
    LecunUniform,
}

impl From<Initializer> for InitSpec {
    fn from(init: Initializer) -> Self {
        match init {
            Initializer::Zeros => InitSpec::Zeros,
            Initializer::Constant(value) => InitSpec::Constant { value },
            Initializer::Uniform { low, high } => InitSpec::Uniform { low, high },
            Initializer::Normal { mean, std } => InitSpec::Normal { mean, std },
            Initializer::GlorotUniform => InitSpec::GlorotUniform,
            Initializer::GlorotNormal => InitSpec::GlorotNormal,
            Initializer::HeUniform => InitSpec::HeUniform,
            Initializer::HeNormal => InitSpec::HeNormal,
            Initializer::LecunNormal => InitSpec::LecunNormal,
            Initializer::LecunUniform => InitSpec::LecunUniform,
        }
    }
}

impl From<InitSpec> for Initializer {
    fn from(spec: InitSpec) -> Self {
        match spec {
            InitSpec::Zeros => Initializer::Zeros,
            InitSpec::Constant { value } => Initializer::Constant(value),
            InitSpec::Uniform { low, high } => Initializer::Uniform { low, high },
            InitSpec::Normal { mean, std } => Initializer::Normal { mean, std },
            InitSpec::GlorotUniform => Initializer::GlorotUniform,
            InitSpec::GlorotNormal => Initializer::GlorotNormal,
            InitSpec::HeUniform => Initializer::HeUniform,
            InitSpec::HeNormal => Initializer::HeNormal,
            InitSpec::LecunNormal => Initializer::LecunNormal,
            InitSpec::LecunUniform => Initializer::LecunUniform,
        }
    }
}

/// The (unbuilt, unnamed) layer `spec` describes: the inverse of [`Layer::spec`].
///
/// Fails only where a spec names something unknown (an activation [`activation::from_spec`]
/// does not know, or a parameter it does not have); sizes and rates are checked when the
/// layer is built, as for a layer made by its constructor.
///
/// ```
/// use trustnn::layer::{from_spec, Dense, Layer};
/// use trustnn::regularizer::L2;
/// let dense = Dense::new(4, 2).without_bias().regularizer(L2(0.01));
/// let copy = from_spec(&dense.spec().unwrap())?;
/// assert_eq!(copy.spec(), dense.spec());
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn from_spec(spec: &LayerSpec) -> Result<Box<dyn Layer>> {
    Ok(match spec {
        LayerSpec::Dense {
            in_features,
            out_features,
            bias,
            weight_init,
            bias_init,
            regularizer,
        } => {
            let mut d = Dense::new(*in_features, *out_features)
                .weight_init((*weight_init).into())
                .bias_init((*bias_init).into());
            if !bias {
                d = d.without_bias();
            }
            if let Some(r) = regularizer {
                d = d.with_boxed_regularizer(regularizer::from_spec(r));
            }
            Box::new(d)
        }
        LayerSpec::Activation { activation, params } => Box::new(ActivationLayer::from_box(
            activation::from_spec(activation, params)?,
        )),
        LayerSpec::Dropout { rate } => Box::new(Dropout::new(*rate)),
        LayerSpec::BatchNorm {
            num_features,
            eps,
            momentum,
            affine,
        } => Box::new(
            BatchNorm::new(*num_features)
                .eps(*eps)
                .momentum(*momentum)
                .affine(*affine),
        ),
        LayerSpec::Flatten => Box::new(Flatten::new()),
    })
}

/// True if two values print the same with `{:?}`: how a spec is checked to rebuild an
/// *equal* activation (a custom type reusing a built-in name prints differently).
pub(crate) fn same_debug(a: &dyn fmt::Debug, b: &dyn fmt::Debug) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// Serde helpers that store an `f32` as a JSON number and read it back **exactly**.
///
/// `serde_json` writes an `f32` in its shortest round-trip decimal form but reads numbers as
/// `f64` and then rounds to `f32`; that double rounding could, in rare cases, land on a
/// neighbour. Here the `f64` is mapped back to the `f32` whose shortest decimal form it is
/// (checking the rounded value and its two neighbours), so every finite `f32` round-trips
/// bit for bit. Non-finite values, which JSON numbers cannot hold, are written as the
/// strings `"inf"`, `"-inf"` and `"nan"` (Softplus' `threshold` may be `+inf`).
pub(crate) mod exact_f32 {
    use std::fmt;

    use serde::de::{self, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    /// Serializes `v` (a number, or `"inf"`/`"-inf"`/`"nan"`).
    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        let v = *v;
        if v.is_finite() {
            s.serialize_f32(v)
        } else if v.is_nan() {
            s.serialize_str("nan")
        } else if v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    /// Deserializes what [`serialize`] wrote.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        d.deserialize_any(F32Visitor)
    }

    /// The `f32` whose shortest decimal form parses to `v` (or `v as f32` if none does).
    pub fn from_f64(v: f64) -> f32 {
        let rounded = v as f32;
        if !rounded.is_finite() {
            return rounded;
        }
        let bits = rounded.to_bits();
        let neighbours = [bits.wrapping_add(1), bits.wrapping_sub(1)];
        std::iter::once(rounded)
            .chain(neighbours.into_iter().map(f32::from_bits))
            .find(|c| c.is_finite() && c.to_string().parse::<f64>() == Ok(v))
            .unwrap_or(rounded)
    }

    struct F32Visitor;

    impl Visitor<'_> for F32Visitor {
        type Value = f32;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number, or \"inf\", \"-inf\" or \"nan\"")
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f32, E> {
            Ok(from_f64(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f32, E> {
            Ok(v as f32)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f32, E> {
            Ok(v as f32)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<f32, E> {
            match v {
                "inf" => Ok(f32::INFINITY),
                "-inf" => Ok(f32::NEG_INFINITY),
                "nan" => Ok(f32::NAN),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
    }

    struct Exact(f32);

    impl serde::Serialize for Exact {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(&self.0, s)
        }
    }

    impl<'de> serde::Deserialize<'de> for Exact {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d).map(Exact)
        }
    }

    /// Named `f32` values as a JSON object, in order (duplicate names are kept, for the
    /// consumer to reject).
    pub mod pairs {
        use super::*;

        /// Serializes the pairs as a JSON object.
        pub fn serialize<S: Serializer>(v: &[(String, f32)], s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(v.len()))?;
            for (k, x) in v {
                map.serialize_entry(k, &Exact(*x))?;
            }
            map.end()
        }

        /// Deserializes a JSON object into pairs, in the object's order.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f32)>, D::Error> {
            d.deserialize_map(PairsVisitor)
        }

        struct PairsVisitor;

        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Vec<(String, f32)>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of named numbers")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, Exact(v))) = map.next_entry::<String, Exact>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_f32_round_trips_awkward_values_bit_for_bit() {
        let mut values = vec![
            0.1f32,
            1e-5,
            1e-8,
            0.999,
            f32::MIN_POSITIVE,
            f32::MAX,
            -f32::MAX,
            1.0e-45,
            16_777_217.0,
            3.402_823e38,
            0.0,
            -0.0,
        ];
        // A deterministic sweep over many exponents and mantissas.
        let mut bits = 0x0000_1234u32;
        for _ in 0..20_000 {
            bits = bits.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let v = f32::from_bits(bits);
            if v.is_finite() {
                values.push(v);
            }
        }
        for v in values {
            let spec = LayerSpec::Dropout { rate: v };
            let json = serde_json::to_string(&spec).unwrap();
            let LayerSpec::Dropout { rate } = serde_json::from_str(&json).unwrap() else {
                panic!("wrong variant")
            };
            assert_eq!(rate.to_bits(), v.to_bits(), "{v:e} via {json}");
        }
    }

    #[test]
    fn non_finite_f32_are_written_as_strings() {
        let spec = LayerSpec::Activation {
            activation: "softplus".into(),
            params: vec![("beta".into(), 1.0), ("threshold".into(), f32::INFINITY)],
        };
        let json = serde_json::to_string(&spec).unwrap();
        assert!(json.contains(r#""threshold":"inf""#), "{json}");
        assert_eq!(serde_json::from_str::<LayerSpec>(&json).unwrap(), spec);
    }

    #[test]
    fn unknown_kinds_and_fields_are_rejected() {
        assert!(serde_json::from_str::<LayerSpec>(r#"{"kind":"conv2d"}"#).is_err());
        assert!(serde_json::from_str::<LayerSpec>(r#"{"kind":"dropout","rate":0.5,"extra":1}"#).is_err());
        assert!(serde_json::from_str::<LayerSpec>(r#"{"kind":"dropout","rate":"fast"}"#).is_err());
    }
}
