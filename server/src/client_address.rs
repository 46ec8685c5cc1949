//! Who is asking: the client's address, for throttling and for the sessions list.
//!
//! Directly connected, it is the connection's peer. Behind a reverse proxy every connection
//! comes from the proxy, so the proxies named in `--trusted-proxies` are believed about the
//! address they forward (`X-Forwarded-For`): the client is the right-most address in that
//! chain that is not itself a trusted proxy. Anyone else's `X-Forwarded-For` is ignored, so
//! a client cannot choose its own address to escape throttling.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::HeaderMap;

use app::server::ClientAddress;

use crate::router::AppState;

/// The client behind a request from `peer`, believing only `trusted` proxies.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let chain: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in chain.iter().rev() {
        // A hop that is not an address ends what can be believed.
        let Ok(hop) = hop.parse::<IpAddr>() else {
            break;
        };
        client = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    client
}

pub async fn resolve_client_address(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let client = client_ip(peer, request.headers(), &state.trusted_proxies);
        request
            .extensions_mut()
            .insert(ClientAddress(client.to_string()));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(chain: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", chain.parse().unwrap());
        headers
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxy = ip("10.0.0.2");
        let headers = forwarded("203.0.113.7, 10.0.0.9");
        assert_eq!(
            client_ip(ip("198.51.100.1"), &headers, &[proxy]),
            ip("198.51.100.1"),
            "a direct client cannot pick its address"
        );
        assert_eq!(
            client_ip(proxy, &headers, &[proxy]),
            ip("10.0.0.9"),
            "the hop the trusted proxy saw"
        );
        assert_eq!(
            client_ip(proxy, &headers, &[proxy, ip("10.0.0.9")]),
            ip("203.0.113.7"),
            "through two trusted proxies"
        );
        assert_eq!(
            client_ip(
                proxy,
                &forwarded("junk, 10.0.0.9"),
                &[proxy, ip("10.0.0.9")]
            ),
            ip("10.0.0.9"),
            "a malformed hop ends the chain"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
