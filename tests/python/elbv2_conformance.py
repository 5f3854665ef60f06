#!/usr/bin/env python3
"""boto3 conformance of elbow's ELBv2 API.

Calls every ELBv2 operation elbow implements at least once and checks, for each response:

* the raw XML against botocore's service model: root `<OpResponse xmlns=...>`, `<OpResult>`,
  `<ResponseMetadata><RequestId>` equal to the `x-amzn-RequestId` header, every element a member
  of its shape (botocore silently drops unknown or misspelt elements, so a typo in elbow would
  otherwise go unnoticed), list items named `member`, and scalars of the right type (integers in
  range, `true`/`false`, ISO 8601 timestamps, enum values from the model's enum);
* that the members a client relies on are present after botocore parsed the response;
* that what botocore parsed equals what was sent.

Errors are checked the same way: `<ErrorResponse>` with Type/Code/Message and the modeled
exception class boto3 raises.

Usage: elbv2_conformance.py <endpoint-url> <free-port-for-listeners> <another-free-port>
Prints a JSON report {"operations": [...], "problems": [...]} and exits 1 if there are problems.
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
PORT = int(sys.argv[2])
HTTPS_PORT = int(sys.argv[3])
NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"

session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
config = Config(retries={"max_attempts": 1, "mode": "standard"})
elb = session.client("elbv2", endpoint_url=ENDPOINT, config=config)
ec2 = session.client("ec2", endpoint_url=ENDPOINT, config=config)
iam = session.client("iam", endpoint_url=ENDPOINT, config=config)
MODEL = elb.meta.service_model

problems = []
operations = set()
raw = {}


def problem(msg):
    problems.append(msg)


def on_after_call(http_response, model, **_):
    raw["last"] = (model.name, http_response.status_code, dict(http_response.headers), http_response.content)


elb.meta.events.register("after-call.elastic-load-balancing-v2", on_after_call)


def local(tag):
    if not tag.startswith("{" + NS + "}"):
        problem(f"element {tag} is not in the ELBv2 namespace")
        return tag.split("}")[-1]
    return tag[len(NS) + 2:]


def check_scalar(path, shape, elem):
    if len(elem):
        problem(f"{path}: scalar {shape.type_name} has child elements")
        return
    text = elem.text or ""
    meta = shape.metadata
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            n = int(text)
        except ValueError:
            problem(f"{path}: '{text}' is not an integer")
            return
        if "min" in meta and n < meta["min"] or "max" in meta and n > meta["max"]:
            problem(f"{path}: {n} outside the model's range {meta.get('min')}..{meta.get('max')}")
    elif t == "boolean":
        if text not in ("true", "false"):
            problem(f"{path}: '{text}' is not a boolean")
    elif t == "timestamp":
        try:
            datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            problem(f"{path}: '{text}' is not an ISO 8601 timestamp like 2016-03-25T21:26:12.920Z")
    elif t == "string":
        if "enum" in meta and text not in meta["enum"]:
            problem(f"{path}: '{text}' is not one of the model's values {meta['enum']}")
        if "max" in meta and len(text) > meta["max"]:
            problem(f"{path}: longer than {meta['max']}")


def walk(path, shape, elem):
    t = shape.type_name
    if t == "structure":
        members = {m.serialization.get("name", name): m for name, m in shape.members.items()}
        seen = set()
        for child in elem:
            tag = local(child.tag)
            if tag not in members:
                problem(f"{path}: <{tag}> is not a member of {shape.name} (botocore drops it)")
                continue
            if tag in seen:
                problem(f"{path}: <{tag}> appears twice")
            seen.add(tag)
            walk(f"{path}.{tag}", members[tag], child)
        if (elem.text or "").strip():
            problem(f"{path}: structure has text {elem.text!r}")
    elif t == "list":
        item = shape.member.serialization.get("name", "member")
        for i, child in enumerate(elem):
            tag = local(child.tag)
            if tag != item:
                problem(f"{path}: list item <{tag}>, the model says <{item}>")
            walk(f"{path}[{i}]", shape.member, child)
    elif t == "map":
        for child in elem:
            if local(child.tag) != "entry":
                problem(f"{path}: map item <{local(child.tag)}>")
    else:
        check_scalar(path, shape, elem)


def check_raw(op_name):
    name, status, headers, content = raw.pop("last")
    if name != op_name:
        problem(f"{op_name}: captured the response of {name}")
        return
    if status != 200:
        problem(f"{op_name}: HTTP {status}")
    if not headers.get("content-type", "").startswith("text/xml"):
        problem(f"{op_name}: Content-Type {headers.get('content-type')!r}")
    root = ET.fromstring(content)
    if root.tag != "{" + NS + "}" + op_name + "Response":
        problem(f"{op_name}: root element {root.tag}")
    op = MODEL.operation_model(op_name)
    wrapper = op.output_shape.serialization.get("resultWrapper") if op.output_shape else None
    result = root.find("{" + NS + "}" + (wrapper or ""))
    rid = root.find("{" + NS + "}ResponseMetadata/{" + NS + "}RequestId")
    if rid is None or not rid.text:
        problem(f"{op_name}: no ResponseMetadata/RequestId")
    elif headers.get("x-amzn-requestid") != rid.text:
        problem(f"{op_name}: x-amzn-RequestId header {headers.get('x-amzn-requestid')!r} differs from RequestId {rid.text!r}")
    for child in root:
        if local(child.tag) not in (wrapper, "ResponseMetadata"):
            problem(f"{op_name}: unexpected <{local(child.tag)}> in the response")
    if wrapper:
        if result is None:
            problem(f"{op_name}: no <{wrapper}>")
            return
        walk(op_name, op.output_shape, result)
        # AWS always sends the output's lists, empty or not.
        for mname, m in op.output_shape.members.items():
            if m.type_name == "list" and result.find("{" + NS + "}" + mname) is None:
                problem(f"{op_name}: list {mname} is missing (botocore then omits it)")


def call(op_name, **params):
    """Calls an operation that must succeed and checks its raw response."""
    py = next(k for k, v in elb.meta.method_to_api_mapping.items() if v == op_name)
    try:
        out = getattr(elb, py)(**params)
    except ClientError as e:
        problem(f"{op_name}({params}): failed with {e.response['Error']}")
        raw.pop("last", None)
        return None
    operations.add(op_name)
    check_raw(op_name)
    out.pop("ResponseMetadata", None)
    return out


def expect(path, got, want):
    if got != want:
        problem(f"{path}: got {got!r}, sent/expected {want!r}")


REQUIRED = {
    "LoadBalancer": ["LoadBalancerArn", "DNSName", "CanonicalHostedZoneId", "CreatedTime", "LoadBalancerName", "Scheme", "VpcId", "State", "Type", "AvailabilityZones", "SecurityGroups", "IpAddressType"],
    "TargetGroup": [
        "TargetGroupArn", "TargetGroupName", "Protocol", "Port", "VpcId", "HealthCheckProtocol", "HealthCheckPort", "HealthCheckEnabled",
        "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount", "HealthCheckPath",
        "Matcher", "LoadBalancerArns", "TargetType", "ProtocolVersion", "IpAddressType",
    ],
    "Listener": ["ListenerArn", "LoadBalancerArn", "Port", "Protocol", "DefaultActions"],
    "Rule": ["RuleArn", "Priority", "Conditions", "Actions", "IsDefault"],
    "TargetHealthDescription": ["Target", "HealthCheckPort", "TargetHealth"],
    "TagDescription": ["ResourceArn", "Tags"],
    "Limit": ["Name", "Max"],
    "AvailabilityZone": ["ZoneName", "SubnetId"],
}


def present(kind, obj, path):
    for k in REQUIRED[kind]:
        if k not in obj:
            problem(f"{path}: {kind}.{k} missing after parsing")


def expect_error(exc_name, code, fn, **params):
    """Calls an operation that must fail with `code`, raised as boto3's modeled `exc_name`."""
    op_name = elb.meta.method_to_api_mapping[fn]
    try:
        getattr(elb, fn)(**params)
    except ClientError as e:
        operations.add(op_name)
        err = e.response["Error"]
        if err.get("Code") != code:
            problem(f"{op_name}: error code {err.get('Code')!r}, expected {code!r}")
        if not err.get("Message"):
            problem(f"{op_name}: error {code} without a message")
        if e.response["ResponseMetadata"]["HTTPStatusCode"] != 400:
            problem(f"{op_name}: {code} with HTTP {e.response['ResponseMetadata']['HTTPStatusCode']}")
        expected_cls = getattr(elb.exceptions, exc_name) if exc_name else None
        if expected_cls is not None and not isinstance(e, expected_cls):
            problem(f"{op_name}: boto3 raised {type(e).__name__}, expected {exc_name}")
        _, _, headers, content = raw.pop("last", (None, None, {}, b""))
        if content:
            root = ET.fromstring(content)
            if root.tag != "{" + NS + "}ErrorResponse":
                problem(f"{op_name}: error root {root.tag}")
            kinds = [local(c.tag) for c in root.find("{" + NS + "}Error")]
            if kinds != ["Type", "Code", "Message"]:
                problem(f"{op_name}: <Error> children {kinds}")
            rid = root.find("{" + NS + "}RequestId")
            if rid is None or rid.text != headers.get("x-amzn-requestid"):
                problem(f"{op_name}: error RequestId does not match the header")
        return
    problem(f"{op_name}({params}): succeeded, expected {code}")


def main():
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    other_sg = ec2.create_security_group(GroupName="conformance", Description="conformance", VpcId=vpc)["GroupId"]

    # --- account limits -------------------------------------------------------------------
    out = call("DescribeAccountLimits")
    for i, lim in enumerate(out["Limits"]):
        present("Limit", lim, f"DescribeAccountLimits.Limits[{i}]")
    page = call("DescribeAccountLimits", PageSize=2)
    expect("DescribeAccountLimits(PageSize=2) count", len(page["Limits"]), 2)
    if "NextMarker" not in page:
        problem("DescribeAccountLimits(PageSize=2): no NextMarker")

    # --- target groups --------------------------------------------------------------------
    sent = dict(
        Name="conf-tg", Protocol="HTTP", ProtocolVersion="HTTP1", Port=8080, VpcId=vpc, HealthCheckProtocol="HTTP", HealthCheckPort="8081",
        HealthCheckEnabled=True, HealthCheckPath="/health", HealthCheckIntervalSeconds=10, HealthCheckTimeoutSeconds=3, HealthyThresholdCount=3,
        UnhealthyThresholdCount=4, Matcher={"HttpCode": "200-299"}, TargetType="ip", IpAddressType="ipv4", Tags=[{"Key": "suite", "Value": "conformance"}],
    )
    tg = call("CreateTargetGroup", **sent)["TargetGroups"][0]
    present("TargetGroup", tg, "CreateTargetGroup")
    for k in ("Protocol", "ProtocolVersion", "Port", "VpcId", "HealthCheckProtocol", "HealthCheckPort", "HealthCheckEnabled", "HealthCheckPath",
              "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "UnhealthyThresholdCount", "Matcher", "TargetType", "IpAddressType"):
        expect(f"CreateTargetGroup.{k}", tg.get(k), sent[k])
    expect("CreateTargetGroup.TargetGroupName", tg.get("TargetGroupName"), "conf-tg")
    expect("CreateTargetGroup.LoadBalancerArns", tg.get("LoadBalancerArns"), [])
    tg_arn = tg["TargetGroupArn"]
    expect("CreateTargetGroup again (idempotent)", call("CreateTargetGroup", **sent)["TargetGroups"][0]["TargetGroupArn"], tg_arn)

    d = call("DescribeTargetGroups", Names=["conf-tg"])
    expect("DescribeTargetGroups(Names)", d["TargetGroups"], [tg])
    d = call("DescribeTargetGroups", TargetGroupArns=[tg_arn])
    expect("DescribeTargetGroups(TargetGroupArns)", d["TargetGroups"], [tg])

    m = call("ModifyTargetGroup", TargetGroupArn=tg_arn, HealthCheckPath="/h2", HealthCheckIntervalSeconds=15, HealthCheckPort="traffic-port", Matcher={"HttpCode": "200,204"})
    mt = m["TargetGroups"][0]
    present("TargetGroup", mt, "ModifyTargetGroup")
    expect("ModifyTargetGroup.HealthCheckPath", mt.get("HealthCheckPath"), "/h2")
    expect("ModifyTargetGroup.HealthCheckIntervalSeconds", mt.get("HealthCheckIntervalSeconds"), 15)
    expect("ModifyTargetGroup.HealthCheckPort", mt.get("HealthCheckPort"), "traffic-port")
    expect("ModifyTargetGroup.Matcher", mt.get("Matcher"), {"HttpCode": "200,204"})
    expect("ModifyTargetGroup.HealthCheckTimeoutSeconds (unchanged)", mt.get("HealthCheckTimeoutSeconds"), 3)

    a = call("DescribeTargetGroupAttributes", TargetGroupArn=tg_arn)["Attributes"]
    keys = {x["Key"] for x in a}
    a2 = call("ModifyTargetGroupAttributes", TargetGroupArn=tg_arn, Attributes=[{"Key": "stickiness.enabled", "Value": "true"}, {"Key": "deregistration_delay.timeout_seconds", "Value": "0"}])["Attributes"]
    expect("ModifyTargetGroupAttributes keys", {x["Key"] for x in a2}, keys)
    got = {x["Key"]: x["Value"] for x in a2}
    expect("ModifyTargetGroupAttributes stickiness.enabled", got.get("stickiness.enabled"), "true")
    expect("ModifyTargetGroupAttributes deregistration_delay", got.get("deregistration_delay.timeout_seconds"), "0")

    call("RegisterTargets", TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.2"}, {"Id": "127.0.0.3", "Port": 8081, "AvailabilityZone": "all"}])
    h = call("DescribeTargetHealth", TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    for i, row in enumerate(h):
        present("TargetHealthDescription", row, f"DescribeTargetHealth[{i}]")
    expect("DescribeTargetHealth targets", sorted((r["Target"]["Id"], r["Target"].get("Port")) for r in h), [("127.0.0.2", 8080), ("127.0.0.3", 8081)])
    expect("DescribeTargetHealth AvailabilityZone", [r["Target"].get("AvailabilityZone") for r in h if r["Target"]["Id"] == "127.0.0.3"], ["all"])
    expect("DescribeTargetHealth states (no listener yet)", sorted({(r["TargetHealth"]["State"], r["TargetHealth"].get("Reason")) for r in h}), [("unused", "Target.NotInUse")])
    h = call("DescribeTargetHealth", TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.9", "Port": 80}])["TargetHealthDescriptions"]
    expect("DescribeTargetHealth(unregistered)", [(r["Target"], r["TargetHealth"]["State"], r["TargetHealth"].get("Reason")) for r in h],
           [({"Id": "127.0.0.9", "Port": 80}, "unused", "Target.NotRegistered")])

    # --- load balancers -------------------------------------------------------------------
    lb_sent = dict(Name="conf-lb", Subnets=subnets[:2], SecurityGroups=[default_sg], Scheme="internal", Type="application", IpAddressType="ipv4",
                   Tags=[{"Key": "suite", "Value": "conformance"}])
    lb = call("CreateLoadBalancer", **lb_sent)["LoadBalancers"][0]
    present("LoadBalancer", lb, "CreateLoadBalancer")
    for i, z in enumerate(lb["AvailabilityZones"]):
        present("AvailabilityZone", z, f"CreateLoadBalancer.AvailabilityZones[{i}]")
    expect("CreateLoadBalancer.LoadBalancerName", lb.get("LoadBalancerName"), "conf-lb")
    expect("CreateLoadBalancer.Scheme", lb.get("Scheme"), "internal")
    expect("CreateLoadBalancer.Type", lb.get("Type"), "application")
    expect("CreateLoadBalancer.IpAddressType", lb.get("IpAddressType"), "ipv4")
    expect("CreateLoadBalancer.SecurityGroups", lb.get("SecurityGroups"), [default_sg])
    expect("CreateLoadBalancer.VpcId", lb.get("VpcId"), vpc)
    expect("CreateLoadBalancer.State", lb.get("State"), {"Code": "active"})
    expect("CreateLoadBalancer subnets", [z["SubnetId"] for z in lb["AvailabilityZones"]], subnets[:2])
    if not lb.get("DNSName", "").startswith("internal-conf-lb-"):
        problem(f"CreateLoadBalancer.DNSName of an internal load balancer: {lb.get('DNSName')}")
    if not isinstance(lb.get("CreatedTime"), datetime.datetime):
        problem(f"CreateLoadBalancer.CreatedTime parsed as {type(lb.get('CreatedTime'))}")
    lb_arn = lb["LoadBalancerArn"]
    expect("DescribeLoadBalancers(Names)", call("DescribeLoadBalancers", Names=["conf-lb"])["LoadBalancers"], [lb])
    expect("DescribeLoadBalancers(LoadBalancerArns)", call("DescribeLoadBalancers", LoadBalancerArns=[lb_arn])["LoadBalancers"], [lb])

    la = call("DescribeLoadBalancerAttributes", LoadBalancerArn=lb_arn)["Attributes"]
    la2 = call("ModifyLoadBalancerAttributes", LoadBalancerArn=lb_arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "30"}])["Attributes"]
    expect("ModifyLoadBalancerAttributes keys", {x["Key"] for x in la2}, {x["Key"] for x in la})
    expect("ModifyLoadBalancerAttributes idle timeout", {x["Key"]: x["Value"] for x in la2}.get("idle_timeout.timeout_seconds"), "30")

    sg = call("SetSecurityGroups", LoadBalancerArn=lb_arn, SecurityGroups=[default_sg, other_sg])
    expect("SetSecurityGroups.SecurityGroupIds", sg.get("SecurityGroupIds"), [default_sg, other_sg])
    sn = call("SetSubnets", LoadBalancerArn=lb_arn, Subnets=subnets[:2])
    expect("SetSubnets subnets", [z.get("SubnetId") for z in sn.get("AvailabilityZones", [])], subnets[:2])
    for i, z in enumerate(sn.get("AvailabilityZones", [])):
        present("AvailabilityZone", z, f"SetSubnets.AvailabilityZones[{i}]")
    ip = call("SetIpAddressType", LoadBalancerArn=lb_arn, IpAddressType="dualstack")
    expect("SetIpAddressType.IpAddressType", ip.get("IpAddressType"), "dualstack")
    expect("DescribeLoadBalancers after SetIpAddressType", call("DescribeLoadBalancers", LoadBalancerArns=[lb_arn])["LoadBalancers"][0].get("IpAddressType"), "dualstack")
    call("SetIpAddressType", LoadBalancerArn=lb_arn, IpAddressType="ipv4")
    cr = call("DescribeCapacityReservation", LoadBalancerArn=lb_arn)
    expect("DescribeCapacityReservation.CapacityReservationState", cr.get("CapacityReservationState"), [])

    # --- listeners ------------------------------------------------------------------------
    fwd = {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tg_arn, "Weight": 5}], "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 300}}}
    lst = call("CreateListener", LoadBalancerArn=lb_arn, Protocol="HTTP", Port=PORT, DefaultActions=[fwd], Tags=[{"Key": "suite", "Value": "conformance"}])["Listeners"][0]
    present("Listener", lst, "CreateListener")
    expect("CreateListener.Port", lst.get("Port"), PORT)
    expect("CreateListener.Protocol", lst.get("Protocol"), "HTTP")
    expect("CreateListener.LoadBalancerArn", lst.get("LoadBalancerArn"), lb_arn)
    action = lst["DefaultActions"][0]
    expect("CreateListener action type", action.get("Type"), "forward")
    expect("CreateListener ForwardConfig.TargetGroups", action.get("ForwardConfig", {}).get("TargetGroups"), [{"TargetGroupArn": tg_arn, "Weight": 5}])
    expect("CreateListener ForwardConfig stickiness", action.get("ForwardConfig", {}).get("TargetGroupStickinessConfig"), {"Enabled": True, "DurationSeconds": 300})
    l_arn = lst["ListenerArn"]
    expect("DescribeListeners(LoadBalancerArn)", call("DescribeListeners", LoadBalancerArn=lb_arn)["Listeners"], [lst])
    expect("DescribeListeners(ListenerArns)", call("DescribeListeners", ListenerArns=[l_arn])["Listeners"], [lst])
    expect("DescribeTargetGroups(LoadBalancerArn)", [t["TargetGroupArn"] for t in call("DescribeTargetGroups", LoadBalancerArn=lb_arn)["TargetGroups"]], [tg_arn])
    expect("TargetGroup.LoadBalancerArns", call("DescribeTargetGroups", TargetGroupArns=[tg_arn])["TargetGroups"][0]["LoadBalancerArns"], [lb_arn])

    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain", "MessageBody": "down for maintenance"}}
    ml = call("ModifyListener", ListenerArn=l_arn, DefaultActions=[fixed])["Listeners"][0]
    present("Listener", ml, "ModifyListener")
    expect("ModifyListener fixed-response", ml["DefaultActions"], [fixed])
    redirect = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}", "StatusCode": "HTTP_301"}}
    ml = call("ModifyListener", ListenerArn=l_arn, DefaultActions=[redirect])["Listeners"][0]
    expect("ModifyListener redirect", ml["DefaultActions"], [redirect])
    ml = call("ModifyListener", ListenerArn=l_arn, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])["Listeners"][0]
    expect("ModifyListener forward", ml["DefaultActions"][0].get("TargetGroupArn"), tg_arn)

    lat = call("DescribeListenerAttributes", ListenerArn=l_arn)["Attributes"]
    lat2 = call("ModifyListenerAttributes", ListenerArn=l_arn, Attributes=[{"Key": "routing.http.response.server.enabled", "Value": "false"}])["Attributes"]
    expect("ModifyListenerAttributes keys", {x["Key"] for x in lat2}, {x["Key"] for x in lat})
    expect("ModifyListenerAttributes server header", {x["Key"]: x["Value"] for x in lat2}.get("routing.http.response.server.enabled"), "false")

    # --- rules ----------------------------------------------------------------------------
    bogus_l = l_arn[:-1] + ("0" if l_arn[-1] != "0" else "1")
    conditions = [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}},
        {"Field": "host-header", "Values": ["a.example.com"]},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["dev"]}},
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}},
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
    ]
    # AWS shows host-header and path-pattern in both spellings, the others in their config.
    shown = [
        {"Field": "path-pattern", "Values": ["/api/*"], "PathPatternConfig": {"Values": ["/api/*"]}},
        {"Field": "host-header", "Values": ["a.example.com"], "HostHeaderConfig": {"Values": ["a.example.com"]}},
    ] + conditions[2:]
    r1 = call("CreateRule", ListenerArn=l_arn, Priority=10, Conditions=conditions, Actions=[dict(fwd, Order=1)], Tags=[{"Key": "suite", "Value": "conformance"}])["Rules"][0]
    present("Rule", r1, "CreateRule")
    expect("CreateRule.Priority", r1.get("Priority"), "10")
    expect("CreateRule.IsDefault", r1.get("IsDefault"), False)
    expect("CreateRule.Conditions", r1.get("Conditions"), shown)
    expect("CreateRule.Actions ForwardConfig", r1["Actions"][0].get("ForwardConfig", {}).get("TargetGroups"), [{"TargetGroupArn": tg_arn, "Weight": 5}])
    expect("CreateRule.Actions Order", r1["Actions"][0].get("Order"), 1)
    if not r1.get("RuleArn", "").startswith(l_arn.replace(":listener/", ":listener-rule/") + "/"):
        problem(f"CreateRule.RuleArn {r1.get('RuleArn')} is not under the listener {l_arn}")
    sip = [{"Field": "source-ip", "SourceIpConfig": {"Values": ["192.0.2.0/24", "2001:db8::/32"]}}]
    r2 = call("CreateRule", ListenerArn=l_arn, Priority=20, Conditions=sip, Actions=[fixed])["Rules"][0]
    expect("CreateRule(source-ip).Conditions", r2.get("Conditions"), sip)
    expect("CreateRule(fixed-response).Actions", r2.get("Actions"), [fixed])
    rules = call("DescribeRules", ListenerArn=l_arn)["Rules"]
    for i, r in enumerate(rules):
        present("Rule", r, f"DescribeRules[{i}]")
    expect("DescribeRules priorities", [r.get("Priority") for r in rules], ["10", "20", "default"])
    expect("DescribeRules rules", rules[:2], [r1, r2])
    default_rule = rules[2]
    expect("DescribeRules default rule", (default_rule.get("IsDefault"), default_rule.get("Conditions")), (True, []))
    expect("DescribeRules default actions", default_rule.get("Actions"), call("DescribeListeners", ListenerArns=[l_arn])["Listeners"][0]["DefaultActions"])
    expect("DescribeRules(RuleArns)", call("DescribeRules", RuleArns=[r2["RuleArn"], default_rule["RuleArn"]])["Rules"], [r2, default_rule])
    page = call("DescribeRules", ListenerArn=l_arn, PageSize=2)
    expect("DescribeRules(PageSize=2)", (len(page["Rules"]), "NextMarker" in page), (2, True))
    pages = list(elb.get_paginator("describe_rules").paginate(ListenerArn=l_arn, PageSize=1))
    raw.pop("last", None)
    expect("describe_rules paginator", [r["Priority"] for p in pages for r in p["Rules"]], ["10", "20", "default"])
    m = call("ModifyRule", RuleArn=r1["RuleArn"], Conditions=[{"Field": "path-pattern", "Values": ["/v2/*"]}])["Rules"][0]
    present("Rule", m, "ModifyRule")
    expect("ModifyRule.Conditions", m.get("Conditions"), [{"Field": "path-pattern", "Values": ["/v2/*"], "PathPatternConfig": {"Values": ["/v2/*"]}}])
    expect("ModifyRule.Actions (unchanged)", m.get("Actions"), r1["Actions"])
    sp = call("SetRulePriorities", RulePriorities=[{"RuleArn": r1["RuleArn"], "Priority": 20}, {"RuleArn": r2["RuleArn"], "Priority": 10}])["Rules"]
    for i, r in enumerate(sp):
        present("Rule", r, f"SetRulePriorities[{i}]")
    expect("SetRulePriorities", [(r["RuleArn"], r["Priority"]) for r in sp], [(r1["RuleArn"], "20"), (r2["RuleArn"], "10")])
    expect("DescribeTags(rule)", call("DescribeTags", ResourceArns=[r1["RuleArn"]])["TagDescriptions"][0]["Tags"], [{"Key": "suite", "Value": "conformance"}])
    bogus_rule = r1["RuleArn"][:-1] + ("0" if r1["RuleArn"][-1] != "0" else "1")
    expect_error("PriorityInUseException", "PriorityInUse", "create_rule", ListenerArn=l_arn, Priority=10, Conditions=sip, Actions=[fixed])
    expect_error("RuleNotFoundException", "RuleNotFound", "describe_rules", RuleArns=[bogus_rule])
    expect_error("RuleNotFoundException", "RuleNotFound", "set_rule_priorities", RulePriorities=[{"RuleArn": bogus_rule, "Priority": 30}])
    expect_error("OperationNotPermittedException", "OperationNotPermitted", "delete_rule", RuleArn=default_rule["RuleArn"])
    expect_error("OperationNotPermittedException", "OperationNotPermitted", "modify_rule", RuleArn=default_rule["RuleArn"], Conditions=sip)
    expect_error("ListenerNotFoundException", "ListenerNotFound", "describe_rules", ListenerArn=bogus_l)
    expect_error(None, "ValidationError", "create_rule", ListenerArn=l_arn, Priority=30, Conditions=[{"Field": "cookie", "Values": ["x"]}], Actions=[fixed])
    expect_error(None, "ValidationError", "create_rule", ListenerArn=l_arn, Priority=30, Actions=[fixed],
                 Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/1", "/2", "/3", "/4", "/5", "/6"]}}])
    call("DeleteRule", RuleArn=r2["RuleArn"])
    expect("DescribeRules after DeleteRule", [r["Priority"] for r in call("DescribeRules", ListenerArn=l_arn)["Rules"]], ["20", "default"])

    # --- tags -----------------------------------------------------------------------------
    call("AddTags", ResourceArns=[lb_arn, tg_arn, l_arn], Tags=[{"Key": "env", "Value": "test"}, {"Key": "empty", "Value": ""}])
    td = call("DescribeTags", ResourceArns=[lb_arn, tg_arn, l_arn])["TagDescriptions"]
    for i, t in enumerate(td):
        present("TagDescription", t, f"DescribeTags[{i}]")
    expect("DescribeTags order", [t["ResourceArn"] for t in td], [lb_arn, tg_arn, l_arn])
    for t in td:
        expect(f"DescribeTags {t['ResourceArn']}", sorted((x["Key"], x.get("Value")) for x in t["Tags"]), [("empty", ""), ("env", "test"), ("suite", "conformance")])
    call("RemoveTags", ResourceArns=[lb_arn, tg_arn, l_arn], TagKeys=["env", "empty"])
    td = call("DescribeTags", ResourceArns=[lb_arn, tg_arn, l_arn])["TagDescriptions"]
    expect("DescribeTags after RemoveTags", [t["Tags"] for t in td], [[{"Key": "suite", "Value": "conformance"}]] * 3)

    # --- pagination with botocore's paginator (what the CLI uses) --------------------------
    for i in range(3):
        call("CreateTargetGroup", Name=f"conf-page-{i}", Protocol="HTTP", Port=80, VpcId=vpc)
    pages = list(elb.get_paginator("describe_target_groups").paginate(PageSize=1))
    raw.pop("last", None)
    names = [t["TargetGroupName"] for p in pages for t in p["TargetGroups"]]
    expect("paginator pages", len(pages), 4)
    expect("paginator names", sorted(names), sorted(["conf-tg", "conf-page-0", "conf-page-1", "conf-page-2"]))

    # --- HTTPS: security policies and listener certificates ------------------------------
    pol = call("DescribeSSLPolicies", Names=["ELBSecurityPolicy-TLS13-1-2-2021-06"])["SslPolicies"]
    expect("DescribeSSLPolicies names", [p["Name"] for p in pol], ["ELBSecurityPolicy-TLS13-1-2-2021-06"])
    expect("DescribeSSLPolicies protocols", pol[0]["SslProtocols"], ["TLSv1.2", "TLSv1.3"])
    certs = []
    with tempfile.TemporaryDirectory() as d:
        for name in ("conf-default", "conf-sni"):
            crt, key = os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "30",
                            "-subj", f"/CN={name}.example.com"], check=True, capture_output=True)
            up = iam.upload_server_certificate(ServerCertificateName=name, CertificateBody=open(crt).read(), PrivateKey=open(key).read())
            certs.append(up["ServerCertificateMetadata"]["Arn"])
    https = call("CreateListener", LoadBalancerArn=lb_arn, Protocol="HTTPS", Port=HTTPS_PORT, Certificates=[{"CertificateArn": certs[0]}],
                 SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06", DefaultActions=[fixed])["Listeners"][0]
    expect("CreateListener HTTPS certificates", https.get("Certificates"), [{"CertificateArn": certs[0]}])
    expect("CreateListener HTTPS policy", https.get("SslPolicy"), "ELBSecurityPolicy-TLS13-1-2-2021-06")
    added = call("AddListenerCertificates", ListenerArn=https["ListenerArn"], Certificates=[{"CertificateArn": certs[1]}])["Certificates"]
    expect("AddListenerCertificates", added, [{"CertificateArn": certs[1], "IsDefault": False}])
    listed = call("DescribeListenerCertificates", ListenerArn=https["ListenerArn"])["Certificates"]
    expect("DescribeListenerCertificates", sorted((c["CertificateArn"], c["IsDefault"]) for c in listed), sorted([(certs[0], True), (certs[1], False)]))
    call("RemoveListenerCertificates", ListenerArn=https["ListenerArn"], Certificates=[{"CertificateArn": certs[1]}])
    listed = call("DescribeListenerCertificates", ListenerArn=https["ListenerArn"])["Certificates"]
    expect("DescribeListenerCertificates after remove", [(c["CertificateArn"], c["IsDefault"]) for c in listed], [(certs[0], True)])
    expect_error("SSLPolicyNotFoundException", "SSLPolicyNotFound", "describe_ssl_policies", Names=["ELBSecurityPolicy-Nope"])
    call("DeleteListener", ListenerArn=https["ListenerArn"])

    # --- errors: modeled exceptions -------------------------------------------------------
    bogus_tg = tg_arn[:-1] + ("0" if tg_arn[-1] != "0" else "1")
    bogus_lb = lb_arn[:-1] + ("0" if lb_arn[-1] != "0" else "1")
    bogus_l = l_arn[:-1] + ("0" if l_arn[-1] != "0" else "1")
    expect_error("TargetGroupNotFoundException", "TargetGroupNotFound", "describe_target_groups", TargetGroupArns=[bogus_tg])
    expect_error("LoadBalancerNotFoundException", "LoadBalancerNotFound", "describe_load_balancers", LoadBalancerArns=[bogus_lb])
    expect_error("ListenerNotFoundException", "ListenerNotFound", "describe_listeners", ListenerArns=[bogus_l])
    expect_error("DuplicateTargetGroupNameException", "DuplicateTargetGroupName", "create_target_group", Name="conf-tg", Protocol="HTTP", Port=9999, VpcId=vpc, TargetType="ip")
    expect_error("DuplicateLoadBalancerNameException", "DuplicateLoadBalancerName", "create_load_balancer", Name="conf-lb", Subnets=subnets[:2])
    expect_error("DuplicateListenerException", "DuplicateListener", "create_listener", LoadBalancerArn=lb_arn, Protocol="HTTP", Port=PORT,
                 DefaultActions=[fixed])
    expect_error("ResourceInUseException", "ResourceInUse", "delete_target_group", TargetGroupArn=tg_arn)
    expect_error("InvalidConfigurationRequestException", "InvalidConfigurationRequest", "modify_target_group", TargetGroupArn=tg_arn, HealthCheckTimeoutSeconds=60)
    expect_error("InvalidTargetException", "InvalidTarget", "register_targets", TargetGroupArn=tg_arn, Targets=[{"Id": "not-an-ip"}])
    expect_error("DuplicateTagKeysException", "DuplicateTagKeys", "add_tags", ResourceArns=[tg_arn], Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    expect_error("TooManyTagsException", "TooManyTags", "add_tags", ResourceArns=[tg_arn], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    expect_error("CertificateNotFoundException", "CertificateNotFound", "create_listener", LoadBalancerArn=lb_arn, Protocol="HTTPS", Port=PORT + 1,
                 Certificates=[{"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"}], DefaultActions=[fixed])
    expect_error("UnsupportedProtocolException", "UnsupportedProtocol", "create_listener", LoadBalancerArn=lb_arn, Protocol="TCP", Port=PORT + 1, DefaultActions=[fixed])
    expect_error("SubnetNotFoundException", "SubnetNotFound", "create_load_balancer", Name="conf-bad", Subnets=["subnet-0000000000000000f", subnets[1]])
    expect_error("InvalidSecurityGroupException", "InvalidSecurityGroup", "set_security_groups", LoadBalancerArn=lb_arn, SecurityGroups=["sg-0000000000000000f"])
    expect_error(None, "ValidationError", "modify_load_balancer_attributes", LoadBalancerArn=lb_arn, Attributes=[{"Key": "no.such.key", "Value": "1"}])
    expect_error("TargetGroupNotFoundException", "TargetGroupNotFound", "describe_tags", ResourceArns=[bogus_tg])

    # --- deletes --------------------------------------------------------------------------
    call("DeregisterTargets", TargetGroupArn=tg_arn, Targets=[{"Id": "127.0.0.2"}, {"Id": "127.0.0.3", "Port": 8081}])
    expect("DescribeTargetHealth after deregistering with delay 0", call("DescribeTargetHealth", TargetGroupArn=tg_arn)["TargetHealthDescriptions"], [])
    call("DeleteListener", ListenerArn=l_arn)
    call("DeleteLoadBalancer", LoadBalancerArn=lb_arn)
    call("DeleteTargetGroup", TargetGroupArn=tg_arn)
    expect("DescribeLoadBalancers after delete", call("DescribeLoadBalancers")["LoadBalancers"], [])


try:
    main()
except Exception as e:  # a crash is a finding too, with its traceback in stderr
    import traceback

    traceback.print_exc()
    problem(f"the script stopped: {type(e).__name__}: {e}")
print(json.dumps({"operations": sorted(operations), "problems": problems}, indent=1))
sys.exit(1 if problems else 0)
