//! The ELBv2 control plane as AWS's own clients see it: every field of the output shapes, AWS's
//! defaults, idempotent creates, attributes, error codes with their HTTP status (and nothing
//! changed after an error), the raw query protocol, pagination, tags, regions, the CLI as the
//! tutorials type it, and the waiters.
//!
//! Clients: the AWS SDK for Rust (`elbow.elbv2()`), the real `aws` CLI (`elbow.aws`) where the
//! CLI's own behaviour matters, and curl for requests the SDK and CLI refuse to send.

mod support;
mod crud;
mod idempotency;
mod attributes;
mod errors;
mod raw_protocol;
mod pagination;
mod tags;
mod regions;
mod cli;
mod limits;
mod rules;
mod ssl_policies;
