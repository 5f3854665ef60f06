//! Scheduled actions end to end with the real aws CLI: a one-shot action 5 s ahead raises the
//! desired capacity of a group to 2 and the group reaches 2 instances, with the activity in Auto
//! Scaling's words; recurring actions are described with their next run; batch put/delete,
//! errors, and the `ScheduledActions` process suspended holds them.

use std::time::Duration;

use testkit::{Elbow, default_network, eventually};

/// `date -u` `seconds` from now, as the CLI takes timestamps.
fn in_seconds(seconds: i64) -> String {
    let out = std::process::Command::new("date").args(["-u", "-d", &format!("{seconds} seconds"), "+%Y-%m-%dT%H:%M:%SZ"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn group(elbow: &Elbow) -> serde_json::Value {
    elbow.aws(&["autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "sched"]).unwrap()["AutoScalingGroups"][0].clone()
}

fn actions(elbow: &Elbow) -> Vec<serde_json::Value> {
    elbow.aws(&["autoscaling", "describe-scheduled-actions", "--auto-scaling-group-name", "sched"]).unwrap()["ScheduledUpdateGroupActions"].as_array().cloned().unwrap_or_default()
}

fn names(list: &[serde_json::Value]) -> Vec<String> {
    list.iter().map(|a| a["ScheduledActionName"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_action_scales_the_group_on_time() {
    let elbow = Elbow::start();
    let (_vpc, subnets) = default_network(&elbow);
    let data = serde_json::json!({"ImageId": "ami-0elbow0000000001", "InstanceType": "t2.micro"}).to_string();
    elbow.aws(&["ec2", "create-launch-template", "--launch-template-name", "idle", "--launch-template-data", &data]).unwrap();
    elbow
        .aws(&[
            "autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "sched", "--launch-template", "LaunchTemplateName=idle", "--min-size", "1", "--max-size", "3",
            "--desired-capacity", "1", "--vpc-zone-identifier", &subnets.join(","),
        ])
        .unwrap();

    // A one-shot action 5 s ahead, and a recurring one.
    let start = in_seconds(5);
    elbow.aws(&["autoscaling", "put-scheduled-update-group-action", "--auto-scaling-group-name", "sched", "--scheduled-action-name", "up", "--start-time", &start, "--desired-capacity", "2"]).unwrap();
    elbow
        .aws(&[
            "autoscaling", "put-scheduled-update-group-action", "--auto-scaling-group-name", "sched", "--scheduled-action-name", "nightly", "--recurrence", "0 3 * * *", "--min-size", "1",
            "--max-size", "3", "--time-zone", "Etc/UTC",
        ])
        .unwrap();
    let listed = actions(&elbow);
    assert_eq!(names(&listed), ["nightly", "up"], "{listed:?}");
    let up = &listed[1];
    assert_eq!(up["DesiredCapacity"], 2);
    assert_eq!(up["StartTime"].as_str().unwrap().replace(".000", "").replace("+00:00", "Z"), start, "{up}");
    assert!(up["ScheduledActionARN"].as_str().unwrap().starts_with("arn:aws:autoscaling:us-east-1:"), "{up}");
    assert!(up["ScheduledActionARN"].as_str().unwrap().contains(":scheduledUpdateGroupAction:"), "{up}");
    assert!(up["ScheduledActionARN"].as_str().unwrap().ends_with(":autoScalingGroupName/sched:scheduledActionName/up"), "{up}");
    let nightly = &listed[0];
    assert_eq!(nightly["Recurrence"], "0 3 * * *");
    assert_eq!(nightly["TimeZone"], "Etc/UTC");
    assert!(nightly["StartTime"].as_str().unwrap().contains("T03:00:00"), "the next run: {nightly}");

    // Errors.
    let put = |name: &str, extra: &[&str]| {
        let mut a = vec!["autoscaling", "put-scheduled-update-group-action", "--auto-scaling-group-name", "sched", "--scheduled-action-name", name];
        a.extend_from_slice(extra);
        elbow.aws(&a)
    };
    for (extra, want) in [
        (vec!["--recurrence", "0 3 * *", "--desired-capacity", "1"], "recurrence string is invalid"),
        (vec!["--start-time", "2020-01-01T00:00:00Z", "--desired-capacity", "1"], "start time is in the past"),
        (vec!["--recurrence", "0 3 * * *"], "At least one of MinSize, MaxSize or DesiredCapacity"),
        (vec!["--recurrence", "0 3 * * *", "--min-size", "3", "--max-size", "2"], "Max bound, 2, must be greater than or equal to min bound, 3"),
    ] {
        let e = put("bad", &extra).unwrap_err();
        assert_eq!(e.code, "ValidationError", "{extra:?}: {e:?}");
        assert!(e.message.contains(want), "{extra:?}: {e:?}");
    }
    let e = elbow.aws(&["autoscaling", "put-scheduled-update-group-action", "--auto-scaling-group-name", "nope", "--scheduled-action-name", "x", "--recurrence", "0 3 * * *", "--min-size", "1"]).unwrap_err();
    assert_eq!(e.code, "ValidationError");
    assert!(e.message.contains("AutoScalingGroup name not found"), "{e:?}");

    // Batch put: failures are listed per action.
    let batch = elbow
        .aws(&[
            "autoscaling", "batch-put-scheduled-update-group-action", "--auto-scaling-group-name", "sched", "--scheduled-update-group-actions",
            r#"[{"ScheduledActionName":"b1","Recurrence":"30 4 * * MON-FRI","DesiredCapacity":1},{"ScheduledActionName":"b2","Recurrence":"not cron","DesiredCapacity":1}]"#,
        ])
        .unwrap();
    let failed = batch["FailedScheduledUpdateGroupActions"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{batch}");
    assert_eq!(failed[0]["ScheduledActionName"], "b2");
    assert_eq!(failed[0]["ErrorCode"], "ValidationError");

    // At the start time the desired capacity becomes 2 and the group reaches 2 instances.
    eventually(Duration::from_secs(60), "two InService instances", || {
        let g = group(&elbow);
        async move {
            let n = g["Instances"].as_array().map(|l| l.iter().filter(|i| i["LifecycleState"] == "InService").count()).unwrap_or(0);
            (g["DesiredCapacity"] == 2 && n == 2).then_some(())
        }
    })
    .await;
    let acts = elbow.aws(&["autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "sched"]).unwrap();
    let causes: Vec<String> = acts["Activities"].as_array().unwrap().iter().map(|a| a["Cause"].as_str().unwrap_or_default().to_string()).collect();
    assert!(
        causes.iter().any(|c| c.starts_with("At ") && c.contains("a scheduled action update of AutoScalingGroup constraints to min: 1, max: 3, desired: 2 changing the desired capacity from 1 to 2.")),
        "{causes:#?}"
    );
    // The one-shot action is gone once run.
    assert_eq!(names(&actions(&elbow)), ["b1", "nightly"]);

    // Suspended, the ScheduledActions process holds an action; resumed, it runs.
    elbow.aws(&["autoscaling", "suspend-processes", "--auto-scaling-group-name", "sched", "--scaling-processes", "ScheduledActions"]).unwrap();
    put("later", &["--start-time", &in_seconds(2), "--desired-capacity", "3"]).unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(group(&elbow)["DesiredCapacity"], 2);
    assert!(names(&actions(&elbow)).contains(&"later".to_string()));
    elbow.aws(&["autoscaling", "resume-processes", "--auto-scaling-group-name", "sched", "--scaling-processes", "ScheduledActions"]).unwrap();
    eventually(Duration::from_secs(20), "the held action runs on resume", || {
        let g = group(&elbow);
        async move { (g["DesiredCapacity"] == 3).then_some(()) }
    })
    .await;

    // Delete, batch delete.
    elbow.aws(&["autoscaling", "delete-scheduled-action", "--auto-scaling-group-name", "sched", "--scheduled-action-name", "nightly"]).unwrap();
    let e = elbow.aws(&["autoscaling", "delete-scheduled-action", "--auto-scaling-group-name", "sched", "--scheduled-action-name", "nightly"]).unwrap_err();
    assert_eq!(e.code, "ValidationError", "{e:?}");
    let batch = elbow.aws(&["autoscaling", "batch-delete-scheduled-action", "--auto-scaling-group-name", "sched", "--scheduled-action-names", "b1", "missing"]).unwrap();
    let failed = batch["FailedScheduledActions"].as_array().unwrap();
    assert_eq!(names(failed), ["missing"], "{batch}");
    assert!(actions(&elbow).is_empty());
}
