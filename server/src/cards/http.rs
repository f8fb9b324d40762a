//! The card source over HTTP: the issuer's backend answers one `POST` per redeemed handle
//! (server/README.md, "Card source"). Only this server can call it: every request carries
//! `Authorization: Bearer <card_source.secret>`. A slow or failing backend never holds a
//! credential exchange longer than `card_source.timeout_ms`.
//!
//! Request: `POST <card_source.url>`, `Content-Type: application/json`,
//! `X-Walletpush-Correlation-Id` when the attempt has one, body `{"card", "sub", "wallet"}`.
//!
//! Answers, and what the issuer API makes of them:
//!
//! | backend answer | card source | issuer API |
//! |---|---|---|
//! | 200 `{"status": "active", "product", "network", "art"?, "pan", "exp_month", "exp_year", "name", "billing"}` | the card | 200 |
//! | 200 `{"status": "inactive"}` | [`CardError::Inactive`] | `CARD_INACTIVE` |
//! | 404 | [`CardError::Unknown`] | `ISSUER_REJECTED` |
//! | 5xx, no answer within the timeout, no connection | [`CardError::Unavailable`] | `NETWORK` (retryable, the handle is not spent) |
//! | anything else (401, 403, another status, a body that does not parse) | [`CardError::Failed`] | `INTERNAL` |

use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::{Billing, Card, CardData, CardError, CardRequest, CardSecrets, CardSource};
use crate::store::BoxFuture;

/// The largest answer read from the card source.
const MAX_ANSWER: usize = 64 * 1024;

/// Where and how to reach the card source.
#[derive(Clone)]
pub struct HttpCardSourceConfig {
    /// The URL each request is POSTed to (`http://`).
    pub url: String,
    /// The bearer secret.
    pub secret: Zeroizing<String>,
    /// The longest wait for a whole answer.
    pub timeout: Duration,
}

impl core::fmt::Debug for HttpCardSourceConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpCardSourceConfig")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The card source that asks the issuer's backend, over a pool of kept-alive connections.
#[derive(Debug)]
pub struct HttpCardSource {
    config: HttpCardSourceConfig,
    authorization: Zeroizing<String>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpCardSource {
    /// A card source for `config`.
    pub fn new(config: HttpCardSourceConfig) -> HttpCardSource {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(config.timeout));
        connector.set_nodelay(true);
        HttpCardSource {
            authorization: Zeroizing::new(format!("Bearer {}", config.secret.as_str())),
            config,
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    async fn ask(&self, request: CardRequest<'_>) -> Result<Card, CardError> {
        let body = serde_json::to_vec(&AskBody {
            card: request.card,
            sub: request.sub,
            wallet: request.wallet,
        })
        .map_err(|_| CardError::Failed("could not serialise the request".to_owned()))?;
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(self.config.url.as_str())
            .header(CONTENT_TYPE, "application/json")
            .header(AUTHORIZATION, self.authorization.as_str());
        if let Some(cid) = request.cid {
            builder = builder.header(crate::http::CORRELATION_HEADER, cid);
        }
        let http_request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| CardError::Failed("could not build the request".to_owned()))?;
        let exchange = async {
            let response = self
                .client
                .request(http_request)
                .await
                .map_err(|e| CardError::Unavailable(format!("no answer ({e})")))?;
            let status = response.status();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|_| CardError::Unavailable("the answer broke off or is too long".into()))?
                .to_bytes();
            Ok::<_, CardError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.config.timeout, exchange)
            .await
            .map_err(|_| {
                CardError::Unavailable(format!(
                    "no answer within {} ms",
                    self.config.timeout.as_millis()
                ))
            })??;
        let mut bytes = bytes.to_vec();
        let card = answer(status, &bytes, request.card);
        bytes.zeroize();
        card
    }
}

impl CardSource for HttpCardSource {
    fn card<'a>(&'a self, request: CardRequest<'a>) -> BoxFuture<'a, Result<Card, CardError>> {
        Box::pin(self.ask(request))
    }
}

#[derive(Serialize)]
struct AskBody<'a> {
    card: &'a str,
    sub: &'a str,
    wallet: &'a str,
}

/// The backend's 200 answer.
#[derive(Deserialize, Zeroize)]
#[serde(deny_unknown_fields)]
struct Answer {
    status: String,
    product: Option<String>,
    network: Option<String>,
    art: Option<String>,
    pan: Option<String>,
    exp_month: Option<u8>,
    exp_year: Option<u16>,
    name: Option<String>,
    billing: Option<Billing>,
}

/// The card of an answer, or why there is none.
fn answer(status: StatusCode, body: &[u8], card_ref: &str) -> Result<Card, CardError> {
    match status.as_u16() {
        200 => {}
        404 => return Err(CardError::Unknown),
        500..=599 => return Err(CardError::Unavailable(format!("answered {status}"))),
        _ => return Err(CardError::Failed(format!("answered {status}"))),
    }
    let malformed = |what: &str| CardError::Failed(format!("the answer's {what} is malformed"));
    let mut answer: Answer = serde_json::from_slice(body).map_err(|_| malformed("JSON"))?;
    let card = match answer.status.as_str() {
        "inactive" => Err(CardError::Inactive),
        "active" => card_of(&mut answer, card_ref).ok_or_else(|| malformed("card")),
        _ => Err(malformed("status")),
    };
    answer.zeroize();
    card
}

fn card_of(a: &mut Answer, card_ref: &str) -> Option<Card> {
    let pan = a.pan.take()?;
    let valid_pan = (12..=19).contains(&pan.len()) && pan.bytes().all(|b| b.is_ascii_digit());
    let exp_month = a.exp_month.filter(|m| (1..=12).contains(m))?;
    let exp_year = a.exp_year.filter(|y| (2000..=2099).contains(y))?;
    let art = match a.art.take() {
        Some(url) if crate::urls::origin_of(&url).is_none() => return None,
        art => art,
    };
    let secrets = CardSecrets {
        exp_month,
        exp_year,
        name: a.name.take()?,
        billing: a.billing.take()?,
        pan,
    };
    if !valid_pan {
        return None;
    }
    Some(Card {
        data: CardData {
            card_ref: card_ref.to_owned(),
            product: a.product.take()?,
            network: a.network.take()?,
            last4: secrets.pan[secrets.pan.len() - 4..].to_owned(),
            art,
        },
        secrets,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::extract::State;
    use axum::http::HeaderMap;
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use axum::{Json, Router};
    use serde_json::{json, Value};

    use super::*;

    const SECRET: &str = "s3cret-s3cret-s3cret-s3cret";

    /// A stand-in of an issuer's backend: answers by card reference.
    async fn backend(
        State(seen): State<Arc<std::sync::Mutex<Vec<Value>>>>,
        headers: HeaderMap,
        Json(body): Json<Value>,
    ) -> Response {
        if headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
            != Some(&format!("Bearer {SECRET}"))
        {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let cid = headers
            .get(crate::http::CORRELATION_HEADER)
            .and_then(|v| v.to_str().ok());
        seen.lock().unwrap().push(json!({"body": body, "cid": cid}));
        match body["card"].as_str().unwrap_or_default() {
            "ok" => Json(json!({
                "status": "active", "product": "Gift card", "network": "visa",
                "art": "https://bank.example/art/gift.svg",
                "pan": "4111111111111111", "exp_month": 12, "exp_year": 2030, "name": "A. Holder",
                "billing": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
            }))
            .into_response(),
            "closed" => Json(json!({"status": "inactive"})).into_response(),
            "bad-pan" => Json(json!({
                "status": "active", "product": "Gift card", "network": "visa",
                "pan": "4111-1111", "exp_month": 12, "exp_year": 2030, "name": "A. Holder",
                "billing": {"line1": "1", "city": "c", "postal_code": "1", "country": "US"}
            }))
            .into_response(),
            "boom" => StatusCode::BAD_GATEWAY.into_response(),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                StatusCode::OK.into_response()
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    }

    async fn start() -> (String, Arc<std::sync::Mutex<Vec<Value>>>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/card", post(backend))
            .with_state(Arc::clone(&seen));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/card", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    fn source(url: &str, secret: &str) -> HttpCardSource {
        HttpCardSource::new(HttpCardSourceConfig {
            url: url.to_owned(),
            secret: Zeroizing::new(secret.to_owned()),
            timeout: Duration::from_millis(300),
        })
    }

    fn request(card: &str) -> CardRequest<'_> {
        CardRequest {
            card,
            sub: "user-1",
            wallet: "sandbox",
            cid: Some("cid-1"),
        }
    }

    #[tokio::test]
    async fn maps_every_answer_to_a_card_or_a_code() {
        let (url, seen) = start().await;
        let cards = source(&url, SECRET);
        let card = cards.card(request("ok")).await.unwrap();
        assert_eq!(card.data.last4, "1111");
        assert_eq!(card.data.card_ref, "ok");
        assert_eq!(card.secrets.billing.city, "Springfield");
        assert_eq!(
            seen.lock().unwrap()[0],
            json!({"body": {"card": "ok", "sub": "user-1", "wallet": "sandbox"}, "cid": "cid-1"})
        );
        assert_eq!(
            cards.card(request("closed")).await.unwrap_err(),
            CardError::Inactive
        );
        assert_eq!(
            cards.card(request("missing")).await.unwrap_err(),
            CardError::Unknown
        );
        assert!(matches!(
            cards.card(request("boom")).await,
            Err(CardError::Unavailable(_))
        ));
        assert!(matches!(
            cards.card(request("bad-pan")).await,
            Err(CardError::Failed(_))
        ));
        let started = std::time::Instant::now();
        assert!(matches!(
            cards.card(request("slow")).await,
            Err(CardError::Unavailable(_))
        ));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the timeout holds"
        );
        let wrong_secret = source(&url, "another-secret-another-secret");
        assert!(matches!(
            wrong_secret.card(request("ok")).await,
            Err(CardError::Failed(_))
        ));
    }

    #[tokio::test]
    async fn no_server_is_unavailable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/card", listener.local_addr().unwrap());
        drop(listener);
        let error = source(&url, SECRET).card(request("ok")).await.unwrap_err();
        assert!(matches!(error, CardError::Unavailable(_)));
        assert!(!error.to_string().contains(SECRET));
    }
}
