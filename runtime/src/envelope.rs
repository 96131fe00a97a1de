//! The Cloudflare response envelope: `{success, errors, messages, result}`.
//!
//! Only the parts the runtime needs are read here (`result` is left to the
//! generated type). Parsing is lenient: an `errors` item that is a bare
//! string or an object of another shape still becomes an [`ApiMessage`],
//! with the raw JSON as its message, so nothing the server said is lost.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::ApiMessage;

/// The status part of an envelope.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub(crate) success: Option<bool>,
    #[serde(default, deserialize_with = "lenient_messages")]
    pub(crate) errors: Vec<ApiMessage>,
    #[serde(default, deserialize_with = "lenient_messages")]
    pub(crate) messages: Vec<ApiMessage>,
}

impl Envelope {
    /// The envelope of a JSON object body, or `None` for anything else.
    pub(crate) fn parse(body: &[u8]) -> Option<Envelope> {
        serde_json::from_slice(body).ok()
    }
}

pub(crate) fn lenient_messages<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ApiMessage>, D::Error> {
    let items = match Value::deserialize(deserializer)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        other => vec![other],
    };
    Ok(items.into_iter().map(to_message).collect())
}

fn to_message(item: Value) -> ApiMessage {
    match item {
        Value::String(message) => ApiMessage {
            message,
            ..ApiMessage::default()
        },
        Value::Object(_) => serde_json::from_value(item.clone()).unwrap_or_else(|_| raw(&item)),
        other => raw(&other),
    }
}

fn raw(item: &Value) -> ApiMessage {
    ApiMessage {
        message: item.to_string(),
        ..ApiMessage::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiMessageSource;

    #[test]
    fn parses_every_error_field() {
        let body = br#"{"success":false,"errors":[
            {"code":10001,"message":"bad","documentation_url":"https://d","source":{"pointer":"/0"}},
            {"code":10002,"message":"worse"}],
            "messages":[{"code":1,"message":"note"}],"result":null}"#;
        let envelope = Envelope::parse(body).unwrap();
        assert_eq!(envelope.success, Some(false));
        assert_eq!(
            envelope.errors[0],
            ApiMessage {
                code: 10001,
                message: "bad".into(),
                documentation_url: Some("https://d".into()),
                source: Some(ApiMessageSource {
                    pointer: Some("/0".into())
                }),
            }
        );
        assert_eq!(envelope.errors[1].code, 10002);
        assert_eq!(envelope.messages[0].message, "note");
    }

    #[test]
    fn odd_shapes_are_kept_as_text() {
        let body = br#"{"success":false,"errors":["plain", {"code":"x"}, 7],"messages":null}"#;
        let envelope = Envelope::parse(body).unwrap();
        let messages: Vec<_> = envelope.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["plain", r#"{"code":"x"}"#, "7"]);
        assert!(envelope.messages.is_empty());
        let single = Envelope::parse(br#"{"errors":"boom"}"#).unwrap();
        assert_eq!(single.errors[0].message, "boom");
    }

    #[test]
    fn non_objects_are_not_envelopes() {
        assert!(Envelope::parse(b"<html>502</html>").is_none());
        assert!(Envelope::parse(b"[1,2]").is_none());
        assert!(Envelope::parse(b"").is_none());
    }
}
