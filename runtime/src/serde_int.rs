//! Integers from the wire: generated fields the document declares as integers
//! decode through [`deserialize`], which also accepts a JSON number written
//! with a fraction of zero (`3.0`), so an upstream encoder that emits floats
//! never fails a response. A real fraction (`3.5`) or a value out of range is
//! still an error that says so.
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct Counts {
//!     #[serde(deserialize_with = "cfgen_runtime::serde_int::deserialize")]
//!     deleted: u64,
//!     #[serde(default, deserialize_with = "cfgen_runtime::serde_int::deserialize")]
//!     failed: Option<i64>,
//! }
//!
//! let counts: Counts = serde_json::from_str(r#"{"deleted": 3.0, "failed": null}"#).unwrap();
//! assert_eq!((counts.deleted, counts.failed), (3, None));
//! let err = serde_json::from_str::<Counts>(r#"{"deleted": 3.5}"#).err().unwrap();
//! assert!(err.to_string().starts_with("expected an integer, got 3.5"), "{err}");
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// Decodes an integer field (`i64`, `u64`, or an `Option` of either) that
/// may arrive as an integral float.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: WireInteger,
{
    T::decode(deserializer)
}

/// The integer types [`deserialize`] produces.
pub trait WireInteger: Sized {
    /// Decodes `Self` from `deserializer`.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// The two integer widths generated code uses.
trait Primitive: Sized + TryFrom<i64> + TryFrom<u64> {
    const NAME: &'static str;
}

impl Primitive for i64 {
    const NAME: &'static str = "a signed 64-bit integer";
}

impl Primitive for u64 {
    const NAME: &'static str = "a non-negative integer";
}

impl<P: Primitive> WireInteger for P {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntegerVisitor(PhantomData))
    }
}

impl<P: Primitive> WireInteger for Option<P> {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(OptionVisitor(PhantomData))
    }
}

struct IntegerVisitor<P>(PhantomData<P>);

impl<P: Primitive> Visitor<'_> for IntegerVisitor<P> {
    type Value = P;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(P::NAME)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<P, E> {
        P::try_from(v).map_err(|_| E::custom(format!("{v} is out of range for {}", P::NAME)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<P, E> {
        P::try_from(v).map_err(|_| E::custom(format!("{v} is out of range for {}", P::NAME)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<P, E> {
        // 2^63 and 2^64 are exact in f64, so these bounds are exact too.
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        if v.fract() != 0.0 || !v.is_finite() {
            return Err(E::custom(format!(
                "expected an integer, got {v} (a number with a fraction)"
            )));
        }
        if (-TWO_63..TWO_63).contains(&v) {
            self.visit_i64(v as i64)
        } else if (0.0..2.0 * TWO_63).contains(&v) {
            self.visit_u64(v as u64)
        } else {
            Err(E::custom(format!("{v} is out of range for {}", P::NAME)))
        }
    }
}

struct OptionVisitor<P>(PhantomData<P>);

impl<'de, P: Primitive> Visitor<'de> for OptionVisitor<P> {
    type Value = Option<P>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} or null", P::NAME)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        P::decode(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Fields {
        #[serde(deserialize_with = "super::deserialize")]
        count: u64,
        #[serde(default, deserialize_with = "super::deserialize")]
        offset: Option<i64>,
    }

    fn parse(json: &str) -> Result<Fields, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn integral_floats_are_integers() {
        let want = Fields {
            count: 3,
            offset: Some(-2),
        };
        assert_eq!(parse(r#"{"count": 3, "offset": -2}"#), Ok(want));
        let want = Fields {
            count: 3,
            offset: Some(-2),
        };
        assert_eq!(parse(r#"{"count": 3.0, "offset": -2.0}"#), Ok(want));
        let none = Fields {
            count: 0,
            offset: None,
        };
        assert_eq!(parse(r#"{"count": 0, "offset": null}"#), Ok(none));
        let none = Fields {
            count: 0,
            offset: None,
        };
        assert_eq!(parse(r#"{"count": 0}"#), Ok(none));
    }

    #[test]
    fn fractions_signs_and_text_are_refused() {
        let err = parse(r#"{"count": 3.5}"#).unwrap_err();
        assert!(
            err.starts_with("expected an integer, got 3.5 (a number with a fraction)"),
            "{err}"
        );
        let err = parse(r#"{"count": -1}"#).unwrap_err();
        assert!(
            err.starts_with("-1 is out of range for a non-negative integer"),
            "{err}"
        );
        let err = parse(r#"{"count": 1e300}"#).unwrap_err();
        assert!(err.contains("out of range"), "{err}");
        let err = parse(r#"{"count": "3"}"#).unwrap_err();
        assert!(
            err.starts_with("invalid type: string \"3\", expected a non-negative integer"),
            "{err}"
        );
    }
}
