//! CreateImage and DeregisterImage (EC2 API reference pages of the same names): an image of an
//! instance is a copy of its working directory ("disk") kept under `images_dir/<ami-id>/`;
//! instances launched from it start with a copy of that directory (see `instances::copy_disk`).

use model::Ec2Command;
use model::instance::RegisteredImage;

use super::{check_dry_run, invalid, required, submit};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

/// `Name`: 3–128 characters of letters, digits, `( ) [ ] . / - ' @ _` and space.
fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = (3..=128).contains(&name.chars().count()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "()[] ./-'@_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidAMIName.Malformed",
            format!("AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_': {name}"),
        ))
    }
}

/// `CreateImage`: `InstanceId`, `Name`, `Description`, `NoReboot` (accepted; the copy is taken
/// without stopping the instance). Output `imageId`.
///
/// Errors: `MissingParameter`, `InvalidAMIName.Malformed`, `InvalidInstanceID.NotFound`,
/// `IncorrectInstanceState` (terminated), `InvalidAMIName.Duplicate`.
pub(crate) async fn create(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let instance_id = required(p, "InstanceId")?.to_string();
    let name = required(p, "Name")?.to_string();
    check_name(&name)?;
    let description = p.get("Description").map(str::to_string);
    if description.as_ref().is_some_and(|d| d.chars().count() > 255) {
        return Err(invalid("AMI descriptions must be at most 255 characters long"));
    }
    check_dry_run(p)?;
    let (Some(instances_dir), Some(images_dir)) = (&api.config.console_dir, &api.config.images_dir) else {
        return Err(ApiError::new("UnsupportedOperation", "CreateImage needs elbow's data directory, which this API was not given"));
    };
    let image = RegisteredImage { id: ids::ec2("ami"), name, description, source_instance_id: instance_id.clone(), created_at: state::now_millis() };
    // Validate against the current state before copying (the command checks again).
    let cmd = model::Command::Ec2 { region: req.region.clone(), op: Ec2Command::CreateImage(image.clone()) };
    api.state.current().apply(&cmd).map_err(super::model_error)?;
    let disk = images_dir.join(&image.id);
    let source = instances_dir.join(&instance_id);
    let copied = {
        let (source, disk) = (source.clone(), disk.clone());
        tokio::task::spawn_blocking(move || if source.is_dir() { instances::copy_disk(&source, &disk) } else { std::fs::create_dir_all(&disk) }).await
    };
    match copied {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let _ = std::fs::remove_dir_all(&disk);
            return Err(ApiError::internal(format!("copying the disk of {instance_id}: {e}")));
        }
        Err(e) => return Err(ApiError::internal(format!("copying the disk of {instance_id}: {e}"))),
    }
    if let Err(e) = submit(api, req, Ec2Command::CreateImage(image.clone())).await {
        let _ = std::fs::remove_dir_all(&disk);
        return Err(e);
    }
    x.text("imageId", &image.id);
    Ok(())
}

/// `DeregisterImage`: `ImageId` of an image made by CreateImage; its disk is deleted.
///
/// Errors: `MissingParameter`, `InvalidAMIID.Malformed`, `InvalidAMIID.NotFound`.
pub(crate) async fn deregister(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let image_id = required(p, "ImageId")?.to_string();
    if !model::instance::is_valid_image_id(&image_id) {
        return Err(ApiError::new("InvalidAMIID.Malformed", format!("Invalid id: \"{image_id}\" (expecting \"ami-...\")")));
    }
    submit(api, req, Ec2Command::DeregisterImage { image_id: image_id.clone() }).await?;
    if let Some(dir) = &api.config.images_dir {
        let _ = std::fs::remove_dir_all(dir.join(&image_id));
    }
    super::ok(x);
    Ok(())
}
