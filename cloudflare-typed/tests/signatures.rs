//! Type-checks calls to a few generated methods of the whole API (with `--features
//! full`; CI's clippy step with `--all-targets` compiles it) and pins the shapes that
//! the generator's parameter rules produce. It was `tests/all-ops`'s test; that crate
//! compiled the same `--all` output, so the whole API is now compiled once, here.
#![deny(warnings)]

/// Each call is only type-checked: the closure that builds the futures never runs.
#[cfg(feature = "full")]
#[test]
fn generated_methods_take_the_documented_arguments() {
    use cloudflare_typed as api;
    let calls = |client: &api::Client| {
        let owned = ["a".to_string()];
        // Bulk delete: path parameters in template order, then the body, any string-like.
        let kv = client.workers_kv();
        let delete = kv.workers_kv_namespace_delete_multiple_key_value_pairs("acc", "ns", &owned);
        let borrowed = kv.workers_kv_namespace_delete_multiple_key_value_pairs("acc", "ns", &["a"]);
        // An integer path parameter.
        let asn = client
            .intel()
            .asn_intelligence_get_asn_overview("acc", 13335);
        // An object query parameter spread into its optional properties: a builder, which
        // outlives the handle it came from (a temporary here).
        let scan = client
            .intel()
            .phishing_url_information_get_results_for_a_url_scan("acc")
            .url_id(1);
        let scan = scan.send();
        // A comma-joined (`explode: false`) array passed as text.
        let history = client
            .zaraz()
            .get_zones_zone_identifier_zaraz_config_history("zone", "1,2");
        drop((delete, borrowed, asn, scan, history));
    };
    let _: fn(&api::Client) = calls;
}

#[cfg(not(feature = "full"))]
#[test]
fn generated_methods_take_the_documented_arguments() {
    println!("skipped: built without `--features full`, so the methods are not compiled");
}
