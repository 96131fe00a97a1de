//! Diff, what the IR does not carry but the wire depends on: each operation's effective
//! `security` (which credentials the API accepts), its effective `servers` (the base
//! URL) and the content types its request body accepts. All are read from the raw
//! documents at the operation's pointer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::compare::{Diff, Loc};
use super::{Affects, Level, locate};
use crate::error::escape_pointer_token;
use crate::ir::Operation;
use crate::load::Document;

/// One way to authenticate: the schemes a request must carry together, each reduced to
/// what travels over HTTP, so that a scheme renamed in the document is no change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Credential(BTreeSet<String>);

impl Credential {
    /// What a person calls this credential, and what the generated client's user sets.
    fn describe(&self) -> String {
        let has = |wire: &str| self.0.contains(wire);
        let known = match self.0.len() {
            0 => Some("no credentials (anonymous access)"),
            1 if has("http bearer") => {
                Some("an API token (`Authorization: Bearer`, `CLOUDFLARE_API_TOKEN`)")
            }
            2 if has("header x-auth-email") && has("header x-auth-key") => Some(
                "email + API key (`X-Auth-Email` and `X-Auth-Key`, `CLOUDFLARE_EMAIL` and \
                 `CLOUDFLARE_API_KEY`)",
            ),
            1 if has("header x-auth-user-service-key") => {
                Some("a user service key (`X-Auth-User-Service-Key`)")
            }
            _ => None,
        };
        match known {
            Some(text) => text.to_string(),
            None => {
                let parts: Vec<String> = self.0.iter().map(|w| format!("`{w}`")).collect();
                parts.join(" + ")
            }
        }
    }
}

/// The effective `security` of the operation at `operation` (its own, else the
/// document's), as credentials, with the pointer it was read from. `None` when neither
/// states one.
fn effective_security(doc: &Document, operation: &str) -> Option<(BTreeSet<Credential>, String)> {
    let own = format!("{operation}/security");
    let (list, at) = match doc.get(&own) {
        Some(list) => (list, own),
        None => (doc.get("#/security")?, "#/security".to_string()),
    };
    let list = list.as_array()?;
    if list.is_empty() {
        // `security: []` switches authentication off for the operation.
        return Some((BTreeSet::from([Credential(BTreeSet::new())]), at));
    }
    let credentials = list
        .iter()
        .filter_map(Value::as_object)
        .map(|requirement| {
            Credential(
                requirement
                    .keys()
                    .map(|name| scheme_on_the_wire(doc, name))
                    .collect(),
            )
        })
        .collect();
    Some((credentials, at))
}

/// A security scheme as the request carries it: `http bearer`, `header x-auth-key`.
fn scheme_on_the_wire(doc: &Document, name: &str) -> String {
    let at = locate::follow(
        doc,
        &format!(
            "#/components/securitySchemes/{}",
            escape_pointer_token(name)
        ),
    );
    let Some(scheme) = doc.get(&at) else {
        return format!("scheme {name}");
    };
    let field = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or_default();
    match field("type") {
        "http" => format!("http {}", field("scheme").to_ascii_lowercase()),
        "apiKey" if field("in") == "header" => {
            format!("header {}", field("name").to_ascii_lowercase())
        }
        "apiKey" => format!("{} {}", field("in"), field("name")),
        other => format!("{other} {name}"),
    }
}

/// The effective base URLs of the operation: its own `servers`, else its path item's,
/// else the document's; variables filled with their defaults.
fn effective_servers(doc: &Document, operation: &str) -> (Vec<String>, String) {
    let item = operation.rsplit_once('/').map_or("#", |(item, _)| item);
    for owner in [operation, item, "#"] {
        let at = format!("{owner}/servers");
        if let Some(list) = doc.get(&at).and_then(Value::as_array) {
            let urls = list.iter().filter_map(server_url).collect();
            return (urls, at);
        }
    }
    (Vec::new(), "#/servers".into())
}

fn server_url(server: &Value) -> Option<String> {
    let mut url = server
        .get("url")?
        .as_str()?
        .trim_end_matches('/')
        .to_string();
    if let Some(variables) = server.get("variables").and_then(Value::as_object) {
        for (name, variable) in variables {
            if let Some(default) = variable.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    Some(url)
}

/// The media types the operation's request body accepts, with the body's pointer.
fn request_content_types(doc: &Document, operation: &str) -> (BTreeSet<String>, String) {
    let at = locate::follow(doc, &format!("{operation}/requestBody"));
    let types = doc
        .get(&format!("{at}/content"))
        .and_then(Value::as_object)
        .map(|content| content.keys().cloned().collect())
        .unwrap_or_default();
    (types, at)
}

impl Diff<'_> {
    /// Security, servers and request content types of a pair of operations.
    pub(super) fn wire(&mut self, a: &Operation, b: &Operation) {
        self.security(a, b);
        self.servers(a, b);
        self.content_types(a, b);
    }

    fn security(&mut self, a: &Operation, b: &Operation) {
        let old = effective_security(self.old.doc, &a.pointer);
        let new = effective_security(self.new.doc, &b.pointer);
        let (Some((old, old_at)), Some((new, new_at))) = (old, new) else {
            return;
        };
        let loc = Loc::both(old_at, new_at);
        let still: Vec<String> = new.intersection(&old).map(Credential::describe).collect();
        let still = match still.is_empty() {
            true => String::new(),
            false => format!("; still accepted: {}", still.join(", ")),
        };
        for gone in old.difference(&new) {
            let message = format!(
                "authentication with {} is no longer accepted: requests that use it are \
                 refused{still}",
                gone.describe()
            );
            self.note(Level::Breaking, Affects::Wire, "security-removed", &loc)
                .rust(Some(&b.fn_name.in_code()))
                .says(message);
        }
        for added in new.difference(&old) {
            let message = format!("authentication with {} is now accepted", added.describe());
            self.note(Level::Additive, Affects::Wire, "security-added", &loc)
                .rust(Some(&b.fn_name.in_code()))
                .says(message);
        }
    }

    fn servers(&mut self, a: &Operation, b: &Operation) {
        let (old, old_at) = effective_servers(self.old.doc, &a.pointer);
        let (new, new_at) = effective_servers(self.new.doc, &b.pointer);
        let loc = Loc::both(old_at, new_at);
        let now = match new.first() {
            Some(url) => format!("`{url}`"),
            None => "no server".to_string(),
        };
        for gone in old.iter().filter(|url| !new.contains(url)) {
            let message = format!(
                "base URL `{gone}` removed, the document now names {now}: requests sent to \
                 the old base URL may fail (the client's base URL is set by \
                 `Client::builder().base_url` or `CLOUDFLARE_BASE_URL`)"
            );
            self.note(Level::Breaking, Affects::Wire, "server-removed", &loc)
                .says(message);
        }
        for added in new.iter().filter(|url| !old.contains(url)) {
            let message = format!("base URL `{added}` added");
            self.note(Level::Additive, Affects::Wire, "server-added", &loc)
                .says(message);
        }
    }

    /// Media types the body accepts besides the one the client sends (a change of that
    /// one is `content-type-changed`, in `compare`).
    fn content_types(&mut self, a: &Operation, b: &Operation) {
        let (old, old_at) = request_content_types(self.old.doc, &a.pointer);
        let (new, new_at) = request_content_types(self.new.doc, &b.pointer);
        let sent: BTreeMap<&str, ()> = [&a.body, &b.body]
            .into_iter()
            .flatten()
            .map(|body| (body.content_type.as_str(), ()))
            .collect();
        let loc = Loc::both(old_at, new_at);
        for gone in old
            .difference(&new)
            .filter(|t| !sent.contains_key(t.as_str()))
        {
            let message = format!(
                "the request body no longer accepts `{gone}` (the generated client sends {})",
                sent_by(b)
            );
            self.note(
                Level::Warning,
                Affects::Wire,
                "request-content-type-removed",
                &loc,
            )
            .says(message);
        }
        for added in new
            .difference(&old)
            .filter(|t| !sent.contains_key(t.as_str()))
        {
            let message = format!(
                "the request body now also accepts `{added}` (the generated client sends {})",
                sent_by(b)
            );
            self.note(
                Level::Additive,
                Affects::Wire,
                "request-content-type-added",
                &loc,
            )
            .says(message);
        }
    }
}

fn sent_by(op: &Operation) -> String {
    match &op.body {
        Some(body) => format!("`{}`", body.content_type),
        None => "no body".to_string(),
    }
}
