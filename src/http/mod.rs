//! The HTTP API (`/api/v1`, JSON, RFC 9457 problems), the public issuer documents and
//! the public credential pages. Every route is listed in [`router`].

pub mod error;
pub mod extract;
pub mod routes;
pub mod state;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use self::error::{ApiError, LoggedCause};
use self::routes::*;
use self::state::AppState;

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let settings = state.services.settings.clone();
    let api = Router::new()
        .route("/openapi.json", get(contexts::get_openapi))
        .route("/achievements", post(achievements::create_achievement).get(achievements::list_achievements))
        .route("/achievements/{id}", get(achievements::get_achievement))
        .route("/credentials", post(credentials::issue_credential))
        .route("/credentials/{public_id}", get(credentials::get_credential))
        .route("/credentials/{public_id}/revoke", post(status::revoke_credential))
        .route("/credentials/{public_id}/suspend", post(status::suspend_credential))
        .route("/credentials/{public_id}/reinstate", post(status::reinstate_credential))
        .route("/batches/{id}", get(credentials::get_batch))
        .route("/revocations", post(status::bulk_revoke))
        .route("/offers", post(oid4vci::create_offer))
        .route("/audit-log", get(status::list_audit_log))
        .route("/verify", post(verify::verify_credential))
        .route("/institutions", post(admin::create_institution).get(admin::list_institutions))
        .route("/institutions/{slug}/keys", get(admin::list_keys))
        .route("/institutions/{slug}/keys/rotate", post(admin::rotate_key))
        .route("/institutions/{slug}/keys/{key}/compromise", post(admin::compromise_key))
        .route("/institutions/{slug}/api-keys", post(admin::create_api_key).get(admin::list_api_keys))
        .route("/institutions/{slug}/api-keys/{key_id}", delete(admin::revoke_api_key))
        .fallback(api_not_found);
    Router::new()
        .nest("/api/v1", api)
        .route("/.well-known/openid-credential-issuer", get(oid4vci::get_issuer_metadata))
        .route("/.well-known/oauth-authorization-server", get(oid4vci::get_as_metadata))
        .route("/oid4vci/offers/{id}", get(oid4vci::get_offer))
        .route("/oid4vci/token", post(oid4vci::post_token))
        .route("/oid4vci/nonce", post(oid4vci::post_nonce))
        .route("/oid4vci/credential", post(oid4vci::post_credential))
        .route("/claim/{id}", get(oid4vci::get_claim_page))
        .route("/claim/{id}/qr.svg", get(oid4vci::get_claim_qr))
        .route("/static/logo.svg", get(oid4vci::get_logo))
        .route("/healthz", get(health::get_health))
        .route("/readyz", get(health::get_ready))
        .route("/issuers/registry.json", get(issuers::get_registry))
        .route("/issuers/{slug}", get(issuers::get_profile))
        .route("/issuers/{slug}/did.json", get(issuers::get_did_document))
        .route("/issuers/{slug}/status/{purpose}/{list_no}", get(status::get_status_list))
        .route("/microcred/contexts/v1.jsonld", get(contexts::get_context))
        .route("/microcred/contexts/trust-v1.jsonld", get(contexts::get_trust_context))
        .route("/microcred/contexts/trust-v2.jsonld", get(contexts::get_trust_context_v2))
        .route("/microcred/schemas/v1.json", get(contexts::get_schema))
        .route("/credentials/issue", post(vcapi::issue_credential))
        .route("/credentials/status", post(vcapi::update_status))
        .route("/credentials/verify", post(vcapi::verify_credential))
        .route("/presentations/verify", post(vcapi::verify_presentation))
        .route("/credentials/{public_id}", get(public::get_shared_credential))
        .route("/credentials/{public_id}/credential.json", get(public::download_json))
        .route("/credentials/{public_id}/credential.jwt", get(public::download_jwt))
        .route("/credentials/{public_id}/badge.png", get(badges::get_badge_png))
        .route("/credentials/{public_id}/badge.svg", get(badges::get_badge_svg))
        .merge(pages::routes())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(settings.server.request_timeout_secs),
        ))
        // Batches read their own (larger) body limit and have their own timeout.
        .route(
            "/api/v1/credentials/batch",
            post(credentials::issue_batch).layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(settings.server.batch_timeout_secs),
            )),
        )
        .layer(middleware::from_fn_with_state(
            Arc::new(tokio::sync::Semaphore::new(settings.server.max_concurrent_requests.max(1))),
            admit_request,
        ))
        .layer(middleware::from_fn(refuse_nul_in_url))
        .layer(middleware::from_fn(problem_details))
        .layer(DefaultBodyLimit::max(settings.server.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such API endpoint; see /api/v1/openapi.json".into())
}

/// Admits at most `server.max_concurrent_requests` requests at once; the others wait
/// here, before any handler has read their body (and the request timeout runs while
/// they wait).
async fn admit_request(
    axum::extract::State(gate): axum::extract::State<Arc<tokio::sync::Semaphore>>,
    req: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = gate.acquire_owned().await else {
        return ApiError::Internal("request gate closed".into()).into_response();
    };
    next.run(req).await
}

/// Refuses a URL with an encoded NUL character before any route sees it: path and
/// query values are text, and PostgreSQL cannot even look text with a NUL up.
async fn refuse_nul_in_url(req: Request, next: Next) -> Response {
    if extract::url_holds_nul(req.uri()) {
        return ApiError::BadRequest(error::NUL_REFUSED.into()).into_response();
    }
    next.run(req).await
}

/// Adds `instance` (the request path) to problem documents, and logs the cause of 5xx
/// responses once, inside the request span.
async fn problem_details(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    if let Some(LoggedCause(cause)) = res.extensions().get::<LoggedCause>() {
        tracing::error!(%cause, "request failed");
    }
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == "application/problem+json");
    if !is_problem {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, 4 << 20).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(cause = %e, status = parts.status.as_u16(), "problem document unreadable or over 4 MiB");
            return ApiError::Internal("problem body unreadable".into()).into_response();
        }
    };
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    doc["instance"] = path.into();
    let text = doc.to_string();
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    Response::from_parts(parts, Body::from(text))
}
