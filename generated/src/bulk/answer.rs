//! Answer stage: what a successful bulk-delete `result` says about the keys
//! of its request.
//!
//! The result is read through [`KeyOutcome`], implemented beside the
//! generated type (in the crate root) with plain field access. The layer
//! itself names no generated type but the client, so it compiles beside a
//! client generated from any version of Cloudflare's document: the crate
//! root of that version says what its result holds (the 2023 and 2024
//! documents typed no keys, so theirs say nothing).

/// What a bulk-delete `result` says about the keys of its request.
pub(crate) trait KeyOutcome {
    /// `unsuccessful_keys`: keys that must be sent again, when listed.
    fn unsuccessful_keys(&self) -> Option<&[String]>;
    /// `successful_key_count`, when present.
    fn successful_key_count(&self) -> Option<u64>;
}

use super::input::KeySet;
use super::report::CountMismatch;
use super::send::Request;

/// What a successful answer says about the keys of its request.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Answer {
    /// `result.unsuccessful_keys`, when present.
    pub(super) unsuccessful_keys: Option<Vec<String>>,
    /// `result.successful_key_count`, when present.
    pub(super) successful_key_count: Option<u64>,
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
            .is_some_and(|count| count != confirmed as u64);
        (count_disagrees || unknown_unsuccessful > 0).then_some(CountMismatch {
            sent,
            unsuccessful: sent - confirmed,
            successful_key_count: self.successful_key_count,
            unknown_unsuccessful,
        })
    }

    /// Reads a result; an answer without one says nothing.
    pub(super) fn read(result: Option<&impl KeyOutcome>) -> Answer {
        let Some(result) = result else {
            return Answer::default();
        };
        Answer {
            unsuccessful_keys: result.unsuccessful_keys().map(<[String]>::to_vec),
            successful_key_count: result.successful_key_count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Said(Option<Vec<String>>, Option<u64>);

    impl KeyOutcome for Said {
        fn unsuccessful_keys(&self) -> Option<&[String]> {
            self.0.as_deref()
        }
        fn successful_key_count(&self) -> Option<u64> {
            self.1
        }
    }

    #[test]
    fn judging_counts_the_sends_of_keys_left_and_keeps_disagreements() {
        let mut request = Request::fresh(vec!["a".to_owned(), "b".to_owned()]);
        request.push("c".to_owned(), 2);
        let answer = Answer {
            unsuccessful_keys: Some(vec!["c".to_owned(), "zz".to_owned()]),
            successful_key_count: Some(2),
        };
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
        let agreeing = Answer {
            unsuccessful_keys: None,
            successful_key_count: Some(1),
        };
        let verdict = agreeing.judge(Request::fresh(vec!["a".to_owned()]));
        assert_eq!((verdict.confirmed, verdict.mismatch), (1, None));
    }

    #[test]
    fn reads_what_the_result_says() {
        let result = Said(Some(vec!["b".to_owned()]), Some(2));
        let answer = Answer::read(Some(&result));
        assert_eq!(answer.successful_key_count, Some(2));
        assert_eq!(answer.unsuccessful_keys, Some(vec!["b".to_owned()]));
    }

    #[test]
    fn no_result_says_nothing() {
        assert_eq!(Answer::read(None::<&Said>), Answer::default());
    }
}
