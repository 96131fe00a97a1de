//! The shape of the generated API, on the kitchen-sink client (`snapshots/kitchen_sink.rs`)
//! against the mock: request builders for optional parameters, enums read from responses
//! that keep values they do not know, unsigned counts.

use cfgen_runtime::RetryPolicy;
use cfgen_tests::snapshots::kitchen_sink::{Client, Order, RecordStatus, ZonePlan};
use serde_json::json;
use testkit::{MockServer, Reply};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_token("token")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn optional_parameters_are_builder_setters_and_only_set_ones_are_sent() {
    let record = json!({"name": "www", "type": "A", "meta": null, "status": "moved"});
    let server = MockServer::with_replies([Reply::success(json!([record]))]).await;
    let tags = ["a", "b"].map(String::from);
    let records = client(&server)
        .list_records("zone", "A", "www")
        .page(2)
        .order(Order::Desc)
        .tag(&tags)
        .x_trace("trace-1")
        .send()
        .await
        .unwrap()
        .expect("a result");
    let request = server.last_request().unwrap();
    assert_eq!(
        request.query(),
        Some("page=2&name=www&order=desc&tag=a&tag=b")
    );
    assert_eq!(request.header("x-trace"), Some("trace-1"));
    // `status` is sent and received: it keeps a value the document does not list.
    assert_eq!(
        records[0].status,
        Some(RecordStatus::Unknown("moved".into()))
    );
    assert_eq!(records[0].status.as_ref().unwrap().as_str(), "moved");
}

#[tokio::test]
async fn a_required_result_decodes_with_an_unsigned_count_and_an_open_enum() {
    let server = MockServer::with_replies([
        Reply::success(json!({"plan": "enterprise", "record_count": 12.0})),
        Reply::success(json!({"plan": "unknown", "record_count": 1})),
    ])
    .await;
    let client = client(&server);
    let zone = client.get_zone("zone").await.unwrap();
    assert_eq!(zone.plan, ZonePlan::Unknown2("enterprise".into()));
    let count: u64 = zone.record_count;
    assert_eq!(count, 12);
    let zone = client.get_zone_with_response("zone").await.unwrap().result;
    assert_eq!((zone.plan, zone.record_count), (ZonePlan::Unknown, 1));
    // Sending an open enum sends its text as is.
    assert_eq!(serde_json::to_value(ZonePlan::Pro).unwrap(), json!("pro"));
}

/// Seven required arguments are too many to pass by position: the query parameters
/// become setters, and one left unset fails before anything is sent.
#[tokio::test]
async fn crowded_required_parameters_are_setters_checked_before_sending() {
    let server = MockServer::with_replies([Reply::status(204)]).await;
    let client = client(&server);
    let err = client
        .search_zone("zone")
        .a("1")
        .b("2")
        .c("3")
        .d("4")
        .e("5")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), cfgen_runtime::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("set it with `.f(…)`"), "{err}");
    assert_eq!(server.request_count(), 0);

    client
        .search_zone("zone")
        .a("1")
        .b("2")
        .c("3")
        .d("4")
        .e("5")
        .f("6")
        .send()
        .await
        .unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(request.query(), Some("a=1&b=2&c=3&d=4&e=5&f=6"));
}
