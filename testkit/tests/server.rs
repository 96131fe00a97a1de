//! The mock server, driven by a raw HTTP/1.1 client over TCP so that these
//! tests depend on nothing the server is used to test.

use std::net::SocketAddr;

use serde_json::json;
use testkit::{Gate, MockServer, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one request on a fresh connection and returns the raw answer (empty
/// when the server closed the connection without answering).
async fn exchange(addr: SocketAddr, head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("server accepts connections");
    let request = format!(
        "{head}\r\nhost: {addr}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // A dropped connection may surface as a reset rather than a clean end.
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The body of a raw answer, parsed as JSON.
fn body_json(answer: &str) -> serde_json::Value {
    let (_, body) = answer.split_once("\r\n\r\n").expect("answer has a body");
    serde_json::from_str(body).expect("body is JSON")
}

#[tokio::test]
async fn records_requests_and_plays_queue_then_handler_then_500() {
    let server =
        MockServer::with_handler(|request| Reply::success(json!({"seen": request.index}))).await;
    server.push(Reply::api_error(429, 10000, "slow down").with_header("retry-after", "30"));

    let first = exchange(
        server.addr(),
        "POST /client/v4/bulk/delete?dry=1 HTTP/1.1\r\nx-test: yes",
        r#"["a"]"#,
    )
    .await;
    assert!(
        first.starts_with("HTTP/1.1 429 Too Many Requests\r\n"),
        "{first}"
    );
    assert!(first.contains("retry-after: 30\r\n"), "{first}");
    assert_eq!(
        body_json(&first),
        json!({"success": false, "errors": [{"code": 10000, "message": "slow down"}], "messages": [], "result": null})
    );

    let second = exchange(server.addr(), "GET /ips HTTP/1.1", "").await;
    assert!(second.starts_with("HTTP/1.1 200 OK\r\n"), "{second}");
    assert!(
        second.contains("content-type: application/json\r\n"),
        "{second}"
    );
    assert_eq!(
        body_json(&second),
        json!({"success": true, "errors": [], "messages": [], "result": {"seen": 1}})
    );

    assert_eq!(server.request_count(), 2);
    let requests = server.requests();
    assert_eq!(requests[0].index, 0);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/client/v4/bulk/delete?dry=1");
    assert_eq!(requests[0].path_only(), "/client/v4/bulk/delete");
    assert_eq!(requests[0].query(), Some("dry=1"));
    assert_eq!(requests[0].header("X-Test"), Some("yes"));
    assert_eq!(requests[0].json().unwrap(), json!(["a"]));
    assert_eq!(requests[1].method, "GET");
    assert!(requests[1].body.is_empty());
}

#[tokio::test]
async fn unscripted_requests_get_a_500_that_says_so() {
    let server = MockServer::start().await;
    let answer = exchange(server.addr(), "GET /nothing HTTP/1.1", "").await;
    assert!(
        answer.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with("testkit: no reply scripted for request 0 (GET /nothing)"),
        "{answer}"
    );
}

#[tokio::test]
async fn html_and_raw_replies() {
    let server = MockServer::with_replies([
        Reply::html(502, "<html>bad gateway</html>"),
        Reply::bytes(200, None, vec![1u8, 2, 3]),
    ])
    .await;
    let html = exchange(server.addr(), "GET / HTTP/1.1", "").await;
    assert!(html.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{html}");
    assert!(
        html.contains("content-type: text/html; charset=UTF-8\r\n"),
        "{html}"
    );
    assert!(html.ends_with("<html>bad gateway</html>"), "{html}");
    let raw = exchange(server.addr(), "GET / HTTP/1.1", "").await;
    assert!(raw.ends_with("\r\n\r\n\u{1}\u{2}\u{3}"), "{raw:?}");
}

#[tokio::test]
async fn dropped_connections_get_no_answer_but_are_recorded() {
    let server = MockServer::with_replies([Reply::drop_connection(), Reply::status(204)]).await;
    assert_eq!(exchange(server.addr(), "DELETE /x HTTP/1.1", "").await, "");
    let next = exchange(server.addr(), "DELETE /x HTTP/1.1", "").await;
    assert!(next.starts_with("HTTP/1.1 204 No Content\r\n"), "{next}");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn stops_listening_when_dropped() {
    let server = MockServer::start().await;
    let addr = server.addr();
    drop(server);
    // Aborting the accept task takes effect when the runtime next runs it;
    // give it a bounded number of turns.
    let mut refused = false;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
    }
    assert!(
        refused,
        "the server still accepts connections after being dropped"
    );
}

#[tokio::test]
async fn a_gate_holds_the_answer_until_opened() {
    let gate = Gate::new();
    let server = MockServer::with_replies([Reply::status(204).held_by(&gate)]).await;
    let addr = server.addr();
    let answer = tokio::spawn(async move { exchange(addr, "POST /held HTTP/1.1", "").await });
    // The request is recorded while its answer is held.
    while server.request_count() == 0 {
        tokio::task::yield_now().await;
    }
    assert!(!answer.is_finished());
    assert!(!gate.is_open());
    gate.open();
    let answer = answer.await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{answer}"
    );
    // Once open, it stays open.
    server.push(Reply::status(204).held_by(&gate));
    let again = exchange(addr, "POST /later HTTP/1.1", "").await;
    assert!(again.starts_with("HTTP/1.1 204"), "{again}");
}
