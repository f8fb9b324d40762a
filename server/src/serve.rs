//! The listener loop of `walletpush-server serve` (docs/design.md §9, limits): HTTP/1.1
//! connections with a deadline for the request head (a client trickling its headers is cut
//! off instead of holding a connection forever), a deadline for the whole request, a cap on
//! open connections, the client's address for the audit, and a graceful shutdown that finishes
//! the requests in flight.

use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// The limits of the listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest a client may take to send a request's head (request line and headers).
    pub header_timeout: Duration,
    /// The longest a request may take, its body and the answer included.
    pub request_timeout: Duration,
    /// The most connections open at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// How long a shutdown waits for the requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then finishes the
/// requests in flight (for at most `limits.shutdown_grace`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let router = router.layer(middleware::from_fn_with_state(
        limits.request_timeout,
        request_timeout,
    ));
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, as hyper does.
                    log(&format!("accept: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(address));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that went away or timed out: nothing to tell anyone.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await;
}

/// Serves each `(listener, router)` as [`serve`] does, all within `limits` (the connection cap
/// counts per listener), until `shutdown` resolves; then each finishes its requests in flight.
/// walletpush-server runs the widget origin and, when configured, the adapter origin this way.
pub async fn serve_all(
    listeners: Vec<(TcpListener, Router)>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let servers = listeners.into_iter().map(|(listener, router)| {
        let mut stopped = stopped.clone();
        tokio::spawn(serve(listener, router, limits, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    let servers: Vec<_> = servers.collect();
    shutdown.await;
    let _ = stop.send(true);
    for server in servers {
        let _ = server.await;
    }
}

/// Middleware: a request that takes longer than `limit` (a slow body, a slow card source) is
/// answered 408 and its work dropped.
async fn request_timeout(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, crate::http::no_store()).into_response(),
    }
}

fn log(line: &str) {
    let _ = std::io::stderr().write_all(format!("error: {line}\n").as_bytes());
}

/// Resolves on Ctrl-C or SIGTERM: the signal to stop accepting and finish what is in flight.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Instant;

    use axum::routing::{get, post};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    async fn start(limits: Limits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let router = Router::new()
            .route(
                "/who",
                get(|ConnectInfo(address): ConnectInfo<SocketAddr>| async move {
                    address.ip().to_string()
                }),
            )
            .route("/echo", post(|body: axum::body::Bytes| async move { body }));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        (address, stop)
    }

    async fn exchange(address: SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    fn limits() -> Limits {
        Limits {
            header_timeout: Duration::from_millis(300),
            request_timeout: Duration::from_millis(500),
            max_connections: 4,
            shutdown_grace: Duration::from_secs(1),
        }
    }

    #[tokio::test]
    async fn answers_with_the_client_address() {
        let (address, _stop) = start(limits()).await;
        let answer = exchange(
            address,
            b"GET /who HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_trickling_its_headers_is_cut_off() {
        let (address, _stop) = start(limits()).await;
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /who HTTP/1.1\r\nhost: a\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server closed the connection");
        assert!(started.elapsed() < Duration::from_secs(2));
        // Meanwhile and after, ordinary requests are answered.
        let answer = exchange(
            address,
            b"GET /who HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    #[tokio::test]
    async fn a_body_that_never_comes_times_out() {
        let (address, _stop) = start(limits()).await;
        let answer = exchange(
            address,
            b"POST /echo HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\nconnection: close\r\n\r\nabc",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    #[tokio::test]
    async fn the_connection_cap_holds_and_frees() {
        let (address, _stop) = start(limits()).await;
        // Four idle connections take every permit (each has sent part of a head).
        let mut idle = Vec::new();
        for _ in 0..4 {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream.write_all(b"GET /who HTTP/1.1\r\n").await.unwrap();
            idle.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A fifth waits until the header deadline frees them, then is answered.
        let started = Instant::now();
        let answer = exchange(
            address,
            b"GET /who HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "it waited for a permit"
        );
        drop(idle);
    }

    #[tokio::test]
    async fn serve_all_serves_each_listener_and_stops_them_together() {
        let make =
            |answer: &'static str| Router::new().route("/who", get(move || async move { answer }));
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let second = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addresses = [first.local_addr().unwrap(), second.local_addr().unwrap()];
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(serve_all(
            vec![(first, make("widget")), (second, make("adapter"))],
            limits(),
            async {
                let _ = stopped.await;
            },
        ));
        for (address, answer) in addresses.iter().zip(["widget", "adapter"]) {
            let reply = exchange(
                *address,
                b"GET /who HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
            )
            .await;
            assert!(reply.ends_with(answer), "{reply}");
        }
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(3), served)
            .await
            .unwrap()
            .unwrap();
        for address in addresses {
            assert!(TcpStream::connect(address).await.is_err());
        }
    }

    #[tokio::test]
    async fn shutdown_stops_accepting() {
        let (address, stop) = start(limits()).await;
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(TcpStream::connect(address).await.is_err());
    }
}
