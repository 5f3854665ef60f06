//! Pagination.

use testkit::{Elbow, default_network};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn describe_target_groups_walks_pages_by_marker_without_duplicates() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, _) = default_network(&elbow);
    for i in 1..=5 {
        create_ip_tg(&c, &vpc, &format!("page-{i}"), 80).await;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c.describe_target_groups().page_size(2).set_marker(marker.clone()).send().await.unwrap();
        sizes.push(page.target_groups().len());
        seen.extend(page.target_groups().iter().map(|t| t.target_group_name().unwrap().to_string()));
        match page.next_marker() {
            Some(m) => {
                assert_ne!(Some(m), marker.as_deref(), "a marker must advance");
                marker = Some(m.to_string());
            }
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not end");
    }
    assert_eq!(sizes, [2, 2, 1]);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ["page-1", "page-2", "page-3", "page-4", "page-5"], "every group exactly once: {seen:?}");

    // The SDK's paginator follows the same markers.
    let pages: Vec<_> = c.describe_target_groups().page_size(2).into_paginator().send().collect::<Result<Vec<_>, _>>().await.unwrap();
    assert_eq!(pages.iter().map(|p| p.target_groups().len()).collect::<Vec<_>>(), [2, 2, 1]);

    // A marker elbow did not hand out is a ValidationError.
    let e = failure(c.describe_target_groups().marker("not-a-marker").send().await);
    assert_code(&e, "ValidationError");
    let e = failure(c.describe_load_balancers().marker("not-a-marker").send().await);
    assert_code(&e, "ValidationError");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_pages_by_hand_with_page_size_and_follows_next_marker_by_itself() {
    let elbow = Elbow::start();
    let c = elbow.elbv2();
    let (vpc, _) = default_network(&elbow);
    for i in 1..=5 {
        create_ip_tg(&c, &vpc, &format!("cli-page-{i}"), 80).await;
    }
    let names = |v: &serde_json::Value| -> Vec<String> { v["TargetGroups"].as_array().unwrap().iter().map(|t| t["TargetGroupName"].as_str().unwrap().to_string()).collect() };
    // ELBv2's paginators have no limit key, so `--page-size` is the API's own PageSize: the CLI
    // turns its auto-pagination off and prints one page and NextMarker.
    let first = elbow.aws(&["elbv2", "describe-target-groups", "--page-size", "2"]).unwrap();
    assert_eq!(names(&first), ["cli-page-1", "cli-page-2"]);
    let marker = first["NextMarker"].as_str().expect("NextMarker").to_string();
    let second = elbow.aws(&["elbv2", "describe-target-groups", "--page-size", "2", "--marker", &marker]).unwrap();
    assert_eq!(names(&second), ["cli-page-3", "cli-page-4"]);
    // Auto-pagination (the default) lists everything. A PageSize given in --cli-input-json
    // keeps it on (CLI v1), so the CLI follows NextMarker over three pages of two.
    let all = elbow.aws(&["elbv2", "describe-target-groups", "--cli-input-json", r#"{"PageSize": 2}"#]).unwrap();
    assert_eq!(names(&all), ["cli-page-1", "cli-page-2", "cli-page-3", "cli-page-4", "cli-page-5"]);
    assert!(all.get("NextMarker").is_none(), "{all}");
    // --max-items/--starting-token cut and resume the CLI's own listing.
    let head = elbow.aws(&["elbv2", "describe-target-groups", "--max-items", "3"]).unwrap();
    assert_eq!(names(&head), ["cli-page-1", "cli-page-2", "cli-page-3"]);
    let token = head["NextToken"].as_str().expect("NextToken").to_string();
    let tail = elbow.aws(&["elbv2", "describe-target-groups", "--starting-token", &token]).unwrap();
    assert_eq!(names(&tail), ["cli-page-4", "cli-page-5"]);
}
