//! CreateImage / DescribeImages / DeregisterImage end to end with the real aws CLI: user data
//! writes a file on an instance's disk, an image is made of it, and an instance launched from
//! that image finds the file before its own user data runs.

use std::time::Duration;

use testkit::{Elbow, eventually};

fn console(elbow: &Elbow, id: &str) -> String {
    use base64::Engine;
    let out = elbow.aws(&["ec2", "get-console-output", "--instance-id", id]).unwrap();
    let text = out["Output"].as_str().unwrap_or_default();
    // The CLI decodes the output already; tolerate either form.
    base64::engine::general_purpose::STANDARD.decode(text).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_else(|| text.to_string())
}

fn run(elbow: &Elbow, image: &str, user_data: &str) -> String {
    let r = elbow.aws(&["ec2", "run-instances", "--image-id", image, "--user-data", user_data, "--count", "1"]).unwrap();
    r["Instances"][0]["InstanceId"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_carries_the_instance_disk_to_new_instances() {
    let elbow = Elbow::start();
    let first = run(&elbow, "ami-0elbow0000000001", "#!/bin/sh\nmkdir -p app\necho 'built on the first instance' > app/release.txt\necho written\n");
    let disk = elbow.data_dir.join("instances").join(&first).join("app/release.txt");
    eventually(Duration::from_secs(30), "the first instance's user data wrote its file", || {
        let ok = disk.exists();
        async move { ok.then_some(()) }
    })
    .await;

    // Errors first.
    let e = elbow.aws(&["ec2", "create-image", "--instance-id", "i-0123456789abcdef0", "--name", "web-image"]).unwrap_err();
    assert_eq!(e.code, "InvalidInstanceID.NotFound", "{e:?}");
    let e = elbow.aws(&["ec2", "create-image", "--instance-id", &first, "--name", "bad*name"]).unwrap_err();
    assert_eq!(e.code, "InvalidAMIName.Malformed", "{e:?}");

    let image = elbow.aws(&["ec2", "create-image", "--instance-id", &first, "--name", "web-image", "--description", "release 1"]).unwrap()["ImageId"].as_str().unwrap().to_string();
    assert!(image.starts_with("ami-") && image.len() == 21, "{image}");
    let e = elbow.aws(&["ec2", "create-image", "--instance-id", &first, "--name", "web-image"]).unwrap_err();
    assert_eq!(e.code, "InvalidAMIName.Duplicate", "{e:?}");

    let mine = elbow.aws(&["ec2", "describe-images", "--owners", "self"]).unwrap();
    let list = mine["Images"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{mine}");
    assert_eq!(list[0]["ImageId"], image.as_str());
    assert_eq!(list[0]["Name"], "web-image");
    assert_eq!(list[0]["Description"], "release 1");
    assert_eq!(list[0]["State"], "available");
    assert_eq!(list[0]["Public"], false);
    let all = elbow.aws(&["ec2", "describe-images"]).unwrap();
    assert_eq!(all["Images"].as_array().unwrap().len(), 2, "the catalogue and the new image");

    // An instance from the image starts with the disk: its user data reads the file.
    let second = run(&elbow, &image, "#!/bin/sh\necho \"found: $(cat app/release.txt)\"\n");
    eventually(Duration::from_secs(30), "the second instance sees the file from the image", || {
        let c = console(&elbow, &second);
        async move { c.contains("found: built on the first instance").then_some(()) }
    })
    .await;
    let out = console(&elbow, &second);
    assert!(!out.contains("written"), "the image holds the disk, not the first instance's console: {out}");

    // Deregister: gone from the listing and from disk; twice is NotFound.
    elbow.aws(&["ec2", "deregister-image", "--image-id", &image]).unwrap();
    let mine = elbow.aws(&["ec2", "describe-images", "--owners", "self"]).unwrap();
    assert!(mine["Images"].as_array().unwrap().is_empty(), "{mine}");
    assert!(!elbow.data_dir.join("images").join(&image).exists());
    let e = elbow.aws(&["ec2", "deregister-image", "--image-id", &image]).unwrap_err();
    assert_eq!(e.code, "InvalidAMIID.NotFound", "{e:?}");
}
