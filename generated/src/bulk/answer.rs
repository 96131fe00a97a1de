//! Answer stage: reads `result.unsuccessful_keys` and
//! `result.successful_key_count` out of a successful bulk-delete answer.
//!
//! The answer is read through `serde_json::to_value`, not through field
//! access, on purpose. `generated.rs` is regenerated from whichever version
//! of Cloudflare's document a user picks, and the response type differs
//! between them: in the 2023 documents `result` is untyped, in 2024 the
//! envelope has no `result` at all, and today it is a `BulkResult` struct.
//! Every generated type derives `Serialize`, and its JSON form always uses
//! the wire names, so this code depends only on the function's name and
//! arguments, the response alias name and serde, and compiles against all
//! of them. The cost is one copy of the (small) answer per request.

use serde::Serialize;
use serde_json::Value;

use super::input::KeySet;
use super::report::CountMismatch;
use super::send::Request;

/// What a successful answer says about the keys of its request.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Answer {
    /// `result.unsuccessful_keys`, when present (string items only: any
    /// other item cannot name a key that was sent).
    pub(super) unsuccessful_keys: Option<Vec<String>>,
    /// `result.successful_key_count`, when present and a number.
    pub(super) successful_key_count: Option<f64>,
}

/// What an answer confirms about the keys of its request.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Verdict {
    /// Keys confirmed deleted.
    pub(super) confirmed: u64,
    /// Keys listed in `unsuccessful_keys`, each with the number of requests
    /// that have now carried it.
    pub(super) unsuccessful: Vec<(String, u32)>,
    /// The disagreement between the answer's counts and the keys sent, if
    /// any.
    pub(super) mismatch: Option<CountMismatch>,
}

impl Answer {
    /// Splits the keys of `request` into the ones this answer confirms and
    /// the ones it lists as unsuccessful (see the module docs of `bulk` for
    /// why only `unsuccessful_keys` decides).
    pub(super) fn judge(&self, request: Request) -> Verdict {
        let listed: KeySet<&str> = self
            .unsuccessful_keys
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let sent = request.keys.len();
        let unsuccessful: Vec<(String, u32)> = if listed.is_empty() {
            Vec::new()
        } else {
            (request.keys.into_iter().zip(request.sends))
                .filter(|(key, _)| listed.contains(key.as_str()))
                .map(|(key, sends)| (key, sends + 1))
                .collect()
        };
        let confirmed = sent - unsuccessful.len();
        Verdict {
            confirmed: confirmed as u64,
            mismatch: self.mismatch(sent, confirmed, listed.len() - unsuccessful.len()),
            unsuccessful,
        }
    }

    fn mismatch(
        &self,
        sent: usize,
        confirmed: usize,
        unknown_unsuccessful: usize,
    ) -> Option<CountMismatch> {
        let count_disagrees = self
            .successful_key_count
            .is_some_and(|count| count != confirmed as f64);
        (count_disagrees || unknown_unsuccessful > 0).then_some(CountMismatch {
            sent,
            unsuccessful: sent - confirmed,
            successful_key_count: self.successful_key_count,
            unknown_unsuccessful,
        })
    }

    /// Reads a generated response value. An answer that does not serialize
    /// (which generated types cannot do) says nothing, like an old shape.
    pub(super) fn read(response: &impl Serialize) -> Answer {
        let value = serde_json::to_value(response).unwrap_or(Value::Null);
        Self::from_value(&value)
    }

    fn from_value(value: &Value) -> Answer {
        let Some(result) = value.get("result").filter(|r| r.is_object()) else {
            return Answer::default();
        };
        let unsuccessful_keys = result
            .get("unsuccessful_keys")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            });
        Answer {
            unsuccessful_keys,
            successful_key_count: result.get("successful_key_count").and_then(Value::as_f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_current_shape() {
        let answer = Answer::from_value(&json!({
            "success": true,
            "result": {"successful_key_count": 2, "unsuccessful_keys": ["b", 7, "c"]}
        }));
        assert_eq!(answer.successful_key_count, Some(2.0));
        assert_eq!(
            answer.unsuccessful_keys,
            Some(vec!["b".to_owned(), "c".to_owned()])
        );
    }

    #[test]
    fn older_shapes_say_nothing() {
        for old in [
            json!({"success": true}),
            json!({"success": true, "result": null}),
            json!({"success": true, "result": {}}),
            json!({"success": true, "result": ["untyped"]}),
        ] {
            assert_eq!(Answer::from_value(&old), Answer::default(), "{old}");
        }
    }

    #[test]
    fn judging_counts_the_sends_of_keys_left_and_keeps_disagreements() {
        let mut request = Request::fresh(vec!["a".to_owned(), "b".to_owned()]);
        request.push("c".to_owned(), 2);
        let answer = Answer::from_value(&json!({
            "result": {"successful_key_count": 2, "unsuccessful_keys": ["c", "zz"]}
        }));
        let verdict = answer.judge(request);
        assert_eq!(verdict.confirmed, 2);
        assert_eq!(verdict.unsuccessful, [("c".to_owned(), 3)]);
        let mismatch = verdict.mismatch.expect("`zz` was not sent");
        assert_eq!(
            (
                mismatch.sent,
                mismatch.unsuccessful,
                mismatch.unknown_unsuccessful
            ),
            (3, 1, 1)
        );
        let agreeing = Answer::from_value(&json!({"result": {"successful_key_count": 1}}));
        let verdict = agreeing.judge(Request::fresh(vec!["a".to_owned()]));
        assert_eq!((verdict.confirmed, verdict.mismatch), (1, None));
    }
}
