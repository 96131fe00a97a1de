//! Validation: checks generated code runs on arguments before sending.
//!
//! Each function mirrors one JSON Schema keyword of the API description
//! (`maxLength`, `minItems`, ...). Lengths count characters (Unicode scalar
//! values), as JSON Schema does, not bytes. A failed check is an
//! [`Error::InvalidInput`] naming the field, and nothing is sent.

use crate::Error;

/// Checks a path parameter: not empty, not `.` or `..` (URL parsing would
/// remove such a segment and call another endpoint), and at most
/// `max_length` characters when given.
pub fn path_param(name: &str, value: &str, max_length: Option<usize>) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid_input(name, "must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid_input(
            name,
            format!("must not be `{value}`, which URL parsing removes from the path"),
        ));
    }
    length(name, value, None, max_length)
}

/// Checks that `value` has between `min` and `max` characters (either bound
/// optional).
pub fn length(
    name: &str,
    value: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), Error> {
    let count = value.chars().count();
    if let Some(min) = min.filter(|&min| count < min) {
        return Err(Error::invalid_input(
            name,
            format!(
                "must be at least {min} {} long, got {count}",
                plural(min, "character")
            ),
        ));
    }
    if let Some(max) = max.filter(|&max| count > max) {
        return Err(Error::invalid_input(
            name,
            format!(
                "must be at most {max} {} long, got {count}",
                plural(max, "character")
            ),
        ));
    }
    Ok(())
}

/// Checks that an array of `len` items has between `min` and `max` items
/// (`minItems` / `maxItems`, either optional).
pub fn items(name: &str, len: usize, min: Option<usize>, max: Option<usize>) -> Result<(), Error> {
    if let Some(min) = min.filter(|&min| len < min) {
        return Err(Error::invalid_input(
            name,
            format!(
                "must have at least {min} {}, got {len}",
                plural(min, "item")
            ),
        ));
    }
    if let Some(max) = max.filter(|&max| len > max) {
        return Err(Error::invalid_input(
            name,
            format!("must have at most {max} {}, got {len}", plural(max, "item")),
        ));
    }
    Ok(())
}

/// Checks the length of every string in an array; the error names the first
/// offending item by index, as in `body[3]`.
pub fn each_length<I>(
    name: &str,
    values: I,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), Error>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    for (index, value) in values.into_iter().enumerate() {
        let value = value.as_ref();
        if !length_within(value, min, max) {
            return length(&format!("{name}[{index}]"), value, min, max);
        }
    }
    Ok(())
}

/// Whether `value` has between `min` and `max` characters. A UTF-8 text of `n` bytes
/// holds between `n / 4` (rounded up) and `n` characters, so the bytes settle most
/// cases without counting: this check runs on every key of a 10,000-key request.
fn length_within(value: &str, min: Option<usize>, max: Option<usize>) -> bool {
    let bytes = value.len();
    let (min, max) = (min.unwrap_or(0), max.unwrap_or(usize::MAX));
    if bytes <= max && bytes.div_ceil(4) >= min {
        return true;
    }
    let count = value.chars().count();
    (min..=max).contains(&count)
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        noun.to_owned()
    } else {
        format!("{noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<(), Error>) -> String {
        result.expect_err("validation should fail").to_string()
    }

    #[test]
    fn path_param_rejects_empty_dots_and_long_values() {
        assert!(path_param("account_id", "023e105f4ecef8ad9ca31a8372d0c353", Some(32)).is_ok());
        assert_eq!(
            message(path_param("account_id", "", Some(32))),
            "invalid input `account_id`: must not be empty"
        );
        assert_eq!(
            message(path_param("key", "..", None)),
            "invalid input `key`: must not be `..`, which URL parsing removes from the path"
        );
        assert!(path_param("key", ".", None).is_err());
        assert!(path_param("key", "...", None).is_ok());
        assert_eq!(
            message(path_param("account_id", &"a".repeat(33), Some(32))),
            "invalid input `account_id`: must be at most 32 characters long, got 33"
        );
    }

    #[test]
    fn each_length_agrees_with_counting_characters() {
        let values = [
            "",
            "a",
            "ab",
            "€",
            "€€",
            "abcd",
            "€€€€",
            "a€",
            "\u{1F600}\u{1F600}",
        ];
        for min in [None, Some(0), Some(1), Some(2), Some(3)] {
            for max in [None, Some(0), Some(1), Some(2), Some(4), Some(7)] {
                for value in values {
                    let count = value.chars().count();
                    let want = min.is_none_or(|m| count >= m) && max.is_none_or(|m| count <= m);
                    let got = each_length("keys", [value], min, max).is_ok();
                    assert_eq!(got, want, "{value:?} min {min:?} max {max:?}");
                }
            }
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Four characters, twelve bytes.
        assert!(length("name", "€€€€", None, Some(4)).is_ok());
        assert!(length("name", "€€€€€", None, Some(4)).is_err());
        assert_eq!(
            message(length("name", "", Some(1), Some(64))),
            "invalid input `name`: must be at least 1 character long, got 0"
        );
        assert!(length("name", "x", Some(1), Some(1)).is_ok());
        assert!(length("name", "anything", None, None).is_ok());
    }

    #[test]
    fn items_checks_both_bounds() {
        assert!(items("body", 1, Some(1), Some(10000)).is_ok());
        assert!(items("body", 10000, Some(1), Some(10000)).is_ok());
        assert_eq!(
            message(items("body", 0, Some(1), Some(10000))),
            "invalid input `body`: must have at least 1 item, got 0"
        );
        assert_eq!(
            message(items("body", 10001, Some(1), Some(10000))),
            "invalid input `body`: must have at most 10000 items, got 10001"
        );
        assert!(items("body", 0, None, None).is_ok());
    }

    #[test]
    fn each_length_names_the_first_bad_index() {
        let keys = vec![
            "a".to_owned(),
            "b".repeat(512),
            "c".repeat(513),
            String::new(),
        ];
        assert_eq!(
            message(each_length("body", &keys, None, Some(512))),
            "invalid input `body[2]`: must be at most 512 characters long, got 513"
        );
        assert_eq!(
            message(each_length("body", &keys, Some(1), None)),
            "invalid input `body[3]`: must be at least 1 character long, got 0"
        );
        assert!(each_length("body", &keys[..2], Some(1), Some(512)).is_ok());
        let slice: &[String] = &keys[..1];
        assert!(each_length("body", slice, None, Some(1)).is_ok());
    }
}
