//! PutScheduledUpdateGroupAction, BatchPutScheduledUpdateGroupAction, DescribeScheduledActions,
//! DeleteScheduledAction, BatchDeleteScheduledAction.

use model::AutoScalingCommand;
use model::autoscaling::{ScheduledAction, scheduled_action_arn};

use super::{group_name, paginate, submit};
use crate::error::ApiError;
use crate::params::Params;
use crate::xml::{Xml, timestamp};
use crate::{Api, Request, ids};

/// Members in one batch call (`ScheduledUpdateGroupActionRequests`, `ScheduledActionNames`).
const MAX_BATCH: usize = 50;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An ISO 8601 timestamp as the SDKs send it (`2026-11-22T19:40:00Z`,
/// `2026-11-22T19:40:00.123Z`, `…+01:00`), or epoch seconds; epoch milliseconds out.
pub(crate) fn parse_timestamp(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return (secs >= 0.0).then_some((secs * 1000.0) as u64);
    }
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut ms = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        let three: String = digits.chars().chain("000".chars()).take(3).collect();
        ms = three.parse().ok()?;
        rest = &frac[digits.len()..];
    }
    let offset_min = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = rest[1..].replace(':', "");
            if t.len() != 4 {
                return None;
            }
            sign * (t[..2].parse::<i64>().ok()? * 60 + t[2..].parse::<i64>().ok()?)
        }
    };
    let total = (days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000 + ms;
    u64::try_from(total).ok()
}

fn time_param(p: &Params, key: &str) -> Result<Option<u64>, ApiError> {
    match p.get(key) {
        None => Ok(None),
        Some(v) => parse_timestamp(v).map(Some).ok_or_else(|| p.constraint(key, Some(v), "Member must be a timestamp (ISO 8601)")),
    }
}

fn size(p: &Params, key: &str) -> Result<Option<u32>, ApiError> {
    Ok(p.int(key, 0, i64::from(i32::MAX))?.map(|n| n as u32))
}

/// One action's members (`PutScheduledUpdateGroupActionType` or a
/// `ScheduledUpdateGroupActionRequest`).
fn decode(api: &Api, req: &Request, p: &Params, group: &str, now: u64) -> Result<ScheduledAction, ApiError> {
    let name = p.string("ScheduledActionName", 1, 255)?.ok_or_else(|| p.constraint("ScheduledActionName", None, "Member must not be null"))?;
    let start_time = match (time_param(p, "StartTime")?, time_param(p, "Time")?) {
        (Some(_), Some(_)) => return Err(ApiError::validation("Both time and startTime cannot be used together. Please use only the startTime parameter.")),
        (a, b) => a.or(b),
    };
    Ok(ScheduledAction {
        arn: scheduled_action_arn(&req.region, &api.config.account_id, &ids::uuid_v4(), group, &name),
        name,
        group: group.to_string(),
        start_time,
        end_time: time_param(p, "EndTime")?,
        recurrence: p.string("Recurrence", 1, 255)?,
        min_size: size(p, "MinSize")?,
        max_size: size(p, "MaxSize")?,
        desired_capacity: size(p, "DesiredCapacity")?,
        time_zone: p.string("TimeZone", 1, 255)?,
        created_at: now,
        last_run: None,
    })
}

pub(crate) async fn put(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let a = decode(api, req, p, &group, state::now_millis())?;
    submit(api, req, AutoScalingCommand::PutScheduledUpdateGroupAction(Box::new(a))).await?;
    Ok(())
}

fn failed(x: &mut Xml, list: &str, failures: &[(String, String, String)]) {
    x.list(list, "member", failures, |x, (name, code, message)| {
        x.text("ScheduledActionName", name).text("ErrorCode", code).text("ErrorMessage", message);
    });
}

pub(crate) async fn batch_put(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let list = p.structs("ScheduledUpdateGroupActions")?.ok_or_else(|| p.constraint("ScheduledUpdateGroupActions", None, "Member must not be null"))?;
    if list.len() > MAX_BATCH {
        return Err(ApiError::validation(format!("1 validation error detected: Value at 'scheduledUpdateGroupActions' failed to satisfy constraint: Member must have length less than or equal to {MAX_BATCH}")));
    }
    let now = state::now_millis();
    let actions = list.iter().map(|s| decode(api, req, s, &group, now)).collect::<Result<Vec<_>, _>>()?;
    let mut failures = Vec::new();
    for a in actions {
        let name = a.name.clone();
        if let Err(e) = submit(api, req, AutoScalingCommand::PutScheduledUpdateGroupAction(Box::new(a))).await {
            // A missing group fails the whole call, as on AWS.
            if e.message.contains("AutoScalingGroup name not found") {
                return Err(e);
            }
            failures.push((name, e.code.to_string(), e.message.clone()));
        }
    }
    failed(x, "FailedScheduledUpdateGroupActions", &failures);
    Ok(())
}

pub(crate) fn describe(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = p.string("AutoScalingGroupName", 1, 255)?;
    let names = p.list("ScheduledActionNames")?.filter(|v| !v.is_empty());
    let start = time_param(p, "StartTime")?;
    let end = time_param(p, "EndTime")?;
    let now = state::now_millis();
    let snap = api.state.current();
    let region = snap.region(&req.region);
    if let Some(g) = &group
        && !region.autoscaling.groups.contains_key(g)
    {
        return Err(ApiError::validation(format!("AutoScalingGroup name not found - AutoScalingGroup '{g}' not found")));
    }
    // A recurring action reports its next run as its start time, as AWS does.
    let mut all: Vec<(&ScheduledAction, Option<u64>)> = region
        .autoscaling
        .scheduled_actions
        .values()
        .filter(|a| group.as_ref().is_none_or(|g| *g == a.group))
        .filter(|a| names.as_ref().is_none_or(|n| n.contains(&a.name)))
        .map(|a| (a, if a.recurrence.is_some() { a.next_run(now).or(a.start_time) } else { a.start_time }))
        .filter(|(_, t)| start.is_none_or(|s| t.is_some_and(|t| t >= s)) && end.is_none_or(|e| t.is_some_and(|t| t <= e)))
        .collect();
    all.sort_by(|a, b| (&a.0.group, &a.0.name).cmp(&(&b.0.group, &b.0.name)));
    let (page, next) = paginate(all, p, 100, 50)?;
    x.list("ScheduledUpdateGroupActions", "member", page, |x, (a, t)| {
        x.text("AutoScalingGroupName", &a.group)
            .text("ScheduledActionName", &a.name)
            .text("ScheduledActionARN", &a.arn)
            .opt("Time", t.map(timestamp))
            .opt("StartTime", t.map(timestamp))
            .opt("EndTime", a.end_time.map(timestamp))
            .opt("Recurrence", a.recurrence.as_deref())
            .opt("MinSize", a.min_size.map(|v| v.to_string()))
            .opt("MaxSize", a.max_size.map(|v| v.to_string()))
            .opt("DesiredCapacity", a.desired_capacity.map(|v| v.to_string()))
            .opt("TimeZone", a.time_zone.as_deref());
    })
    .opt("NextToken", next);
    Ok(())
}

pub(crate) async fn delete(api: &Api, req: &Request) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let name = p.string("ScheduledActionName", 1, 255)?.ok_or_else(|| p.constraint("ScheduledActionName", None, "Member must not be null"))?;
    submit(api, req, AutoScalingCommand::DeleteScheduledAction { group, name }).await?;
    Ok(())
}

pub(crate) async fn batch_delete(api: &Api, req: &Request, x: &mut Xml) -> Result<(), ApiError> {
    let p = &req.params;
    let group = group_name(p)?;
    let names = p.list("ScheduledActionNames")?.ok_or_else(|| p.constraint("ScheduledActionNames", None, "Member must not be null"))?;
    if names.len() > MAX_BATCH {
        return Err(ApiError::validation(format!("1 validation error detected: Value at 'scheduledActionNames' failed to satisfy constraint: Member must have length less than or equal to {MAX_BATCH}")));
    }
    let mut failures = Vec::new();
    for name in names {
        if let Err(e) = submit(api, req, AutoScalingCommand::DeleteScheduledAction { group: group.clone(), name: name.clone() }).await {
            if e.message.contains("AutoScalingGroup name not found") {
                return Err(e);
            }
            failures.push((name, e.code.to_string(), e.message.clone()));
        }
    }
    failed(x, "FailedScheduledActions", &failures);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_timestamp;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("2026-11-22T19:34:00Z"), Some(1_795_376_040_000));
        assert_eq!(parse_timestamp("2026-11-22T19:34:00.250Z"), Some(1_795_376_040_250));
        assert_eq!(parse_timestamp("2026-11-22T20:34:00+01:00"), Some(1_795_376_040_000));
        assert_eq!(parse_timestamp("1795376040"), Some(1_795_376_040_000));
        assert_eq!(parse_timestamp("tomorrow"), None);
    }
}
