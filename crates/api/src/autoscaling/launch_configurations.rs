//! CreateLaunchConfiguration, DescribeLaunchConfigurations, DeleteLaunchConfiguration.

use model::AutoScalingCommand;
use model::autoscaling_command::CreateLaunchConfiguration;

use super::{paginate, render, submit};
use crate::error::ApiError;
use crate::xml::Xml;
use crate::{Api, Request, ids};

pub(crate) async fn create(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = p.string("LaunchConfigurationName", 1, 255)?.ok_or_else(|| p.constraint("LaunchConfigurationName", None, "Member must not be null"))?;
    if p.get("InstanceId").is_some() {
        return Err(ApiError::validation("elbow does not support creating a launch configuration from an instance (InstanceId); give ImageId and InstanceType"));
    }
    let (Some(image_id), Some(instance_type)) = (p.string("ImageId", 1, 255)?, p.string("InstanceType", 1, 255)?) else {
        return Err(ApiError::validation("Valid requests must contain either the InstanceID parameter or both the ImageId and InstanceType parameters."));
    };
    let arn = model::autoscaling::launch_configuration_arn(&req.region, &api.config.account_id, &ids::uuid_v4(), &name);
    let monitoring = if p.has("InstanceMonitoring") { p.sub("InstanceMonitoring").bool("Enabled")? } else { None };
    submit(
        api,
        req,
        AutoScalingCommand::CreateLaunchConfiguration(Box::new(CreateLaunchConfiguration {
            name,
            arn,
            image_id,
            instance_type,
            key_name: p.string("KeyName", 1, 255)?,
            security_groups: p.list("SecurityGroups")?.unwrap_or_default(),
            user_data: p.string("UserData", 0, 21847)?,
            instance_monitoring: monitoring,
            iam_instance_profile: p.string("IamInstanceProfile", 1, 1600)?,
            associate_public_ip_address: p.bool("AssociatePublicIpAddress")?,
            ebs_optimized: p.bool("EbsOptimized")?,
            now: state::now_millis(),
        })),
    )
    .await?;
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let names = p.list("LaunchConfigurationNames")?.filter(|v| !v.is_empty());
    let snap = api.state.current();
    let region = snap.region(&req.region);
    let all: Vec<_> = match &names {
        Some(names) => region.autoscaling.launch_configurations.values().filter(|lc| names.contains(&lc.name)).collect(),
        None => region.autoscaling.launch_configurations.values().collect(),
    };
    let (page, next) = paginate(all, p, 100, 50)?;
    x.list("LaunchConfigurations", "member", page, render::launch_configuration).opt("NextToken", next);
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let name = p.string("LaunchConfigurationName", 1, 255)?.ok_or_else(|| p.constraint("LaunchConfigurationName", None, "Member must not be null"))?;
    submit(api, req, AutoScalingCommand::DeleteLaunchConfiguration { name }).await?;
    Ok(())
}
