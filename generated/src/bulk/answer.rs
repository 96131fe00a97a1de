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

/// What a successful answer says about the keys of its request.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Answer {
    /// `result.unsuccessful_keys`, when present.
    pub(super) unsuccessful_keys: Option<Vec<String>>,
    /// `result.successful_key_count`, when present.
    pub(super) successful_key_count: Option<u64>,
}

impl Answer {
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
