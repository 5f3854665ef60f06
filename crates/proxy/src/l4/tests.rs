//! The layer-4 relays against real sockets on loopback: TCP relay with half-close, the
//! connection count on the health cell, PROXY protocol v2 read by a third-party parser, UDP flows
//! (replies from the listener address, one flow per client, PROXY header per datagram), and
//! connection termination cutting relays and flows.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use balancer::{Settings, Target, TargetGroupBalancer};
use model::{HealthTable, Protocol, TargetHealthCell, TargetKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{L4Routes, tcp_relay, udp_relay};
use crate::routing::{ForwardRoute, HashOn, TargetGroupRoute, TargetProtocol};
use crate::upstream::Upstream;

fn group(targets: &[SocketAddr], proxy_protocol_v2: bool, hash: HashOn, table: &HealthTable) -> (Arc<TargetGroupRoute>, Vec<Arc<Target<Upstream>>>) {
    let ts: Vec<Arc<Target<Upstream>>> = targets
        .iter()
        .map(|a| {
            let key = TargetKey { target_group_arn: "tg".into(), id: a.ip().to_string(), port: a.port() };
            Arc::new(Target::new(key.clone(), *a, table.cell(&key), Upstream::new(*a, None, Duration::from_secs(60))))
        })
        .collect();
    let settings = Settings { consistent_hash: hash != HashOn::None, ..Settings::default() };
    let g = TargetGroupRoute {
        arn: "tg".into(),
        id: 1,
        balancer: TargetGroupBalancer::new(ts.clone(), settings, table.version()),
        stickiness: None,
        hash,
        retry: false,
        per_try_timeout: None,
        passive_failures: 0,
        protocol: TargetProtocol::Http1,
        proxy_protocol_v2,
        proxy_protocol_v1: false,
        target_tls: None,
    };
    (Arc::new(g), ts)
}

fn routes(g: Arc<TargetGroupRoute>, protocol: Protocol) -> Arc<ArcSwap<L4Routes>> {
    let forward = ForwardRoute { groups: vec![(g, 1)], total_weight: 1, group_stickiness: None };
    Arc::new(ArcSwap::from_pointee(L4Routes { listener_arn: "l".into(), port: 0, protocol, tls: None, idle_timeout: Duration::from_secs(60), forward: Arc::new(forward) }))
}

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A TCP target that reads everything, then answers with what it read and closes.
async fn collecting_target() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got).await;
                let _ = s.write_all(&got).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn tcp_relay_sends_the_proxy_header_first_and_counts_the_connection() {
    let table = HealthTable::new();
    let target = collecting_target().await;
    let (g, ts) = group(&[target], true, HashOn::None, &table);
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let at = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(tcp_relay::accept_loop(listener, routes(g, Protocol::Tcp), stop.clone(), TaskTracker::new()));

    let mut c = TcpStream::connect(at).await.unwrap();
    let me = c.local_addr().unwrap();
    c.write_all(b"payload").await.unwrap();
    let cell: &TargetHealthCell = &ts[0].health;
    eventually("the connection is counted", || cell.connections() == 1).await;
    c.shutdown().await.unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).await.unwrap();
    let h = ppp::v2::Header::try_from(&back[..]).expect("a PROXY v2 header first");
    let ppp::v2::Addresses::IPv4(a) = h.addresses else { panic!("IPv4 addresses") };
    assert_eq!(SocketAddr::from((a.source_address, a.source_port)), me, "the client's address");
    assert_eq!(SocketAddr::from((a.destination_address, a.destination_port)), at, "the listener's address");
    assert_eq!(&back[h.len()..], b"payload", "then the client's bytes, after its half-close");
    eventually("the connection is no longer counted", || cell.connections() == 0).await;
    stop.cancel();
}

#[tokio::test]
async fn connection_termination_cuts_open_relays_and_a_refusing_target_is_skipped() {
    let table = HealthTable::new();
    // A target that holds connections open without answering.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let live = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    // A target that refuses: a port nobody listens on.
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (g, ts) = group(&[refused, live], false, HashOn::None, &table);
    let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let at = listener.local_addr().unwrap();
    tokio::spawn(tcp_relay::accept_loop(listener, routes(g, Protocol::Tcp), CancellationToken::new(), TaskTracker::new()));
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(TcpStream::connect(at).await.unwrap());
    }
    let live_target = ts.iter().find(|t| t.addr == live).unwrap().clone();
    eventually("every connection reaches the live target", || live_target.health.connections() == 4).await;
    live_target.extra.close_l4();
    for mut c in conns {
        let mut b = [0u8; 8];
        let r = tokio::time::timeout(Duration::from_secs(10), c.read(&mut b)).await.expect("the relay is cut");
        assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
    }
    eventually("no connection counted after the cut", || live_target.health.connections() == 0).await;
}

/// A UDP target answering `<tag>:<datagram>`.
async fn udp_target(tag: &'static str) -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = s.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf).await {
            let mut reply = format!("{tag}:").into_bytes();
            reply.extend_from_slice(&buf[..n]);
            let _ = s.send_to(&reply, from).await;
        }
    });
    addr
}

async fn ask(c: &UdpSocket, to: SocketAddr, msg: &[u8]) -> (Vec<u8>, SocketAddr) {
    c.send_to(msg, to).await.unwrap();
    let mut buf = [0u8; 2048];
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), c.recv_from(&mut buf)).await.expect("a reply").unwrap();
    (buf[..n].to_vec(), from)
}

#[tokio::test]
async fn udp_flows_answer_from_the_listener_and_stick_to_their_target() {
    let table = HealthTable::new();
    let (a, b) = (udp_target("a").await, udp_target("b").await);
    let (g, ts) = group(&[a, b], false, HashOn::None, &table);
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let at = socket.local_addr().unwrap();
    let stop = CancellationToken::new();
    tokio::spawn(udp_relay::receive_loop(socket, routes(g, Protocol::Udp), stop.clone(), TaskTracker::new()));

    let c1 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let c2 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (r1, from) = ask(&c1, at, b"one").await;
    assert_eq!(from, at, "replies come from the listener's address");
    let (r2, _) = ask(&c2, at, b"two").await;
    let tag = |r: &[u8]| r[0];
    assert_ne!(tag(&r1), tag(&r2), "two clients, two flows, round robin over two targets");
    for i in 0..10 {
        let (r, _) = ask(&c1, at, format!("again {i}").as_bytes()).await;
        assert_eq!(tag(&r), tag(&r1), "a flow keeps its target");
        assert_eq!(&r[2..], format!("again {i}").as_bytes());
    }
    assert_eq!(ts.iter().map(|t| t.health.connections()).sum::<u64>(), 2, "one counted flow per client");
    // Connection termination ends the flows; the next datagram opens a new one.
    for t in &ts {
        t.extra.close_l4();
    }
    eventually("flows closed", || ts.iter().all(|t| t.health.connections() == 0)).await;
    stop.cancel();
}

#[tokio::test]
async fn udp_datagrams_carry_a_proxy_header_when_asked() {
    let table = HealthTable::new();
    // A target that answers with the datagram it received, header included.
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let target = s.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf).await {
            let _ = s.send_to(&buf[..n], from).await;
        }
    });
    let (g, _) = group(&[target], true, HashOn::SourceIp, &table);
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let at = socket.local_addr().unwrap();
    tokio::spawn(udp_relay::receive_loop(socket, routes(g, Protocol::Udp), CancellationToken::new(), TaskTracker::new()));
    let c = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for msg in [&b"first"[..], b"second"] {
        let (r, _) = ask(&c, at, msg).await;
        let h = ppp::v2::Header::try_from(&r[..]).expect("a PROXY v2 header on every datagram");
        assert_eq!(h.protocol, ppp::v2::Protocol::Datagram);
        let ppp::v2::Addresses::IPv4(a) = h.addresses else { panic!("IPv4") };
        assert_eq!(SocketAddr::from((a.source_address, a.source_port)), c.local_addr().unwrap());
        assert_eq!(&r[h.len()..], msg);
    }
}
