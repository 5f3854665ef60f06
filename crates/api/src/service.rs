//! Which AWS service a request is for, decided as AWS clients address one shared endpoint:
//! `X-Amz-Target: CertificateManager.*` is ACM (JSON 1.1); otherwise the form's `Version`
//! (`2015-12-01` ELBv2, `2012-06-01` classic ELB, `2011-01-01` Auto Scaling, `2010-05-08` IAM,
//! `2010-05-15` CloudFormation, `2016-11-15` EC2).

/// Wire protocol families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `Action=…&Version=…` in, `<ActionResponse><ActionResult>` out.
    Query,
    /// EC2's flattened-list variant of query.
    Ec2,
    /// JSON 1.1 with `X-Amz-Target`.
    Json,
}

/// The services on elbow's endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Elastic Load Balancing v2, 2015-12-01.
    Elbv2,
    /// Classic Elastic Load Balancing, 2012-06-01.
    Elb,
    /// Auto Scaling, 2011-01-01.
    AutoScaling,
    /// IAM, 2010-05-08.
    Iam,
    /// CloudFormation, 2010-05-15.
    CloudFormation,
    /// EC2, 2016-11-15.
    Ec2,
    /// ACM, 2015-12-08.
    Acm,
}

impl Service {
    /// The service of a query-protocol `Version`.
    pub fn from_version(v: &str) -> Option<Service> {
        Some(match v {
            "2015-12-01" => Service::Elbv2,
            "2012-06-01" => Service::Elb,
            "2011-01-01" => Service::AutoScaling,
            "2010-05-08" => Service::Iam,
            "2010-05-15" => Service::CloudFormation,
            "2016-11-15" => Service::Ec2,
            _ => return None,
        })
    }

    /// Its wire protocol.
    pub fn protocol(self) -> Protocol {
        match self {
            Service::Ec2 => Protocol::Ec2,
            Service::Acm => Protocol::Json,
            _ => Protocol::Query,
        }
    }

    /// The XML namespace of its responses.
    pub fn xml_namespace(self) -> &'static str {
        match self {
            Service::Elbv2 => "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
            Service::Elb => "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/",
            Service::AutoScaling => "http://autoscaling.amazonaws.com/doc/2011-01-01/",
            Service::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Service::CloudFormation => "http://cloudformation.amazonaws.com/doc/2010-05-15/",
            Service::Ec2 => "http://ec2.amazonaws.com/doc/2016-11-15/",
            Service::Acm => "",
        }
    }

    /// The name used in messages ("Elastic Load Balancing v2").
    pub fn name(self) -> &'static str {
        match self {
            Service::Elbv2 => "Elastic Load Balancing v2",
            Service::Elb => "Elastic Load Balancing (classic)",
            Service::AutoScaling => "Auto Scaling",
            Service::Iam => "IAM",
            Service::CloudFormation => "CloudFormation",
            Service::Ec2 => "EC2",
            Service::Acm => "ACM",
        }
    }
}
