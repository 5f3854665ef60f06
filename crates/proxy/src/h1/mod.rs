//! elbow's own HTTP/1.1 proxy engine: heads parsed in place, fields copied verbatim except
//! those ALB rewrites, bodies relayed by their framing, buffers held only while bytes are in
//! flight, and one task per client connection that drives its target connection too.

pub mod body;
pub mod buf;
pub mod chunked;
pub mod conn;
pub mod head;
mod redirect;
pub mod rewrite;
