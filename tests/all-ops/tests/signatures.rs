//! Type-checks calls to a few generated functions, so `cargo test` compiles the `--all`
//! output and pins the shapes that the generator's parameter rules produce.
#![deny(warnings)]

/// Each call is only type-checked: the closure that builds the futures never runs.
#[cfg(all_ops_generated)]
#[test]
fn generated_functions_take_the_documented_arguments() {
    use all_ops::generated as api;
    let calls = |client: &cfgen_runtime::Client| {
        let keys = ["a".to_string()];
        // Bulk delete: path parameters in template order, then the body.
        let delete =
            api::workers_kv_namespace_delete_multiple_key_value_pairs(client, "acc", "ns", &keys);
        // An integer path parameter.
        let asn = api::asn_intelligence_get_asn_overview(client, "acc", 13335);
        // An object query parameter spread into its properties.
        let scan =
            api::phishing_url_information_get_results_for_a_url_scan(client, "acc", Some(1), None);
        // A comma-joined (`explode: false`) array passed as text.
        let history = api::get_zones_zone_identifier_zaraz_config_history(client, "zone", "1,2");
        drop((delete, asn, scan, history));
    };
    let _: fn(&cfgen_runtime::Client) = calls;
}

#[cfg(not(all_ops_generated))]
#[test]
fn generated_functions_take_the_documented_arguments() {
    eprintln!("skipped: ../shared/cloudflare-spec not found");
}
