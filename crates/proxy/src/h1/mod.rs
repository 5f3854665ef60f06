//! elbow's own HTTP/1.1 proxy engine: heads parsed in place, fields copied verbatim except
//! those ALB rewrites, bodies relayed by their framing, buffers held only while bytes are in
//! flight, and one task per client connection that drives its target connection too.

pub mod body;
mod bridge;
pub mod buf;
pub mod chunked;
pub mod conn;
pub mod desync;
mod facts;
mod forward;
pub mod head;
mod redirect;
pub use redirect::location as redirect_location;
pub mod rewrite;
mod tunnel;
