//! OpenID4VCI 1.0 endpoints (pre-authorized code flow): metadata, offers, token, nonce,
//! credential; the institution's API to create offers; the learner's claim page. OAuth
//! errors use the specification's `{"error", "error_description"}` bodies.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::http::error::{ApiError, NUL_REFUSED};
use crate::http::extract::{Caller, JsonBody, nul_at};
use crate::http::state::AppState;
use crate::service::oid4vci::{self, OAuthError};
use crate::web::{self, ClaimPage, Lang};

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn oauth_error(e: OAuthError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut res = (status, Json(json!({"error": e.error, "error_description": e.description}))).into_response();
    if e.status == 401 {
        let v = format!("Bearer error=\"{}\"", e.error);
        if let Ok(v) = HeaderValue::from_str(&v) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
    }
    no_store(res)
}

/// `GET /.well-known/openid-credential-issuer`.
pub async fn get_issuer_metadata(State(state): State<AppState>) -> Response {
    let mut res = Json(oid4vci::issuer_metadata(&state.services)).into_response();
    res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}

/// `GET /.well-known/oauth-authorization-server`.
pub async fn get_as_metadata(State(state): State<AppState>) -> Response {
    let mut res = Json(oid4vci::authorization_server_metadata(&state.services)).into_response();
    res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}

/// `GET /oid4vci/offers/{id}`: the credential offer behind a `credential_offer_uri`.
pub async fn get_offer(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(no_store(Json(oid4vci::offer_for_wallet(&state.services, &id).await?).into_response()))
}

/// `POST /oid4vci/token` (form): the pre-authorized code grant.
pub async fn post_token(
    State(state): State<AppState>,
    body: Result<axum::Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let form = match body {
        Ok(axum::Form(f)) => f,
        Err(e) => {
            return oauth_error(OAuthError {
                status: 400,
                error: "invalid_request",
                description: format!("send application/x-www-form-urlencoded: {}", e.body_text()),
            });
        }
    };
    if form.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return oauth_error(OAuthError { status: 400, error: "invalid_request", description: NUL_REFUSED.into() });
    }
    match oid4vci::token(&state.services, &form).await {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => oauth_error(e),
    }
}

/// `POST /oid4vci/nonce`.
pub async fn post_nonce(State(state): State<AppState>) -> Response {
    match oid4vci::nonce(&state.services).await {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => oauth_error(e),
    }
}

/// `POST /oid4vci/credential`.
pub async fn post_credential(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("DPoP ")))
        .map(str::trim);
    let body = match body {
        Ok(Json(v)) => v,
        Err(e) => {
            if bearer.is_none() {
                return oauth_error(OAuthError {
                    status: 401,
                    error: "invalid_token",
                    description: "send the access token as Authorization: Bearer".into(),
                });
            }
            return oauth_error(OAuthError {
                status: 400,
                error: "invalid_credential_request",
                description: format!("the body is not JSON: {}", e.body_text()),
            });
        }
    };
    if let Some(at) = nul_at(&body) {
        return oauth_error(OAuthError {
            status: 400,
            error: "invalid_credential_request",
            description: format!("{NUL_REFUSED}: at {at}"),
        });
    }
    match oid4vci::credential(&state.services, bearer, &body).await {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => oauth_error(e),
    }
}

/// `POST /api/v1/offers`: an offer for an award (body as for issuance, plus `tx_code`).
pub async fn create_offer(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let slug = caller.institution()?;
    let created = oid4vci::create_offer(&state.services, slug, &body).await?;
    let s = &state.services;
    let id = &created.row.id;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "offer_id": id,
            "credential_offer": created.offer,
            "credential_offer_uri": created.offer_uri,
            "claim_url": s.url(&format!("/claim/{id}")),
            "qr_svg_url": s.url(&format!("/claim/{id}/qr.svg")),
            "tx_code": created.tx_code,
            "expires_at": created.row.expires_at,
        })),
    ))
}

/// `GET /claim/{id}`: the learner's page with the QR code to scan with a wallet.
pub async fn get_claim_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::negotiate(
        q.get("lang").map(String::as_str),
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let s = &state.services;
    let row = s.store.get_offer(&id).await?.ok_or_else(|| ApiError::NotFound("offer not found".into()))?;
    let now = s.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let live = row.expires_at > now && row.code_used_at.is_none();
    let uri = oid4vci::offer_uri(s, &row.id);
    let qr = format!("/claim/{}/qr.svg", row.id);
    let record: Value = serde_json::from_str(&row.record).unwrap_or(Value::Null);
    let title = record["microcredential"]["title_nl"]
        .as_str()
        .or(record["microcredential"]["title_en"].as_str())
        .map(str::to_owned);
    let base = format!("/claim/{}", row.id);
    let page = ClaimPage {
        lang,
        offer_uri: live.then_some(uri.as_str()),
        qr_svg_url: live.then_some(qr.as_str()),
        needs_pin: row.tx_code_hash.is_some(),
        expires_at: Some(&row.expires_at),
        title: title.as_deref(),
        collected: row.public_id.is_some(),
        lang_switch_base: &base,
    };
    let html = web::claim_page(&page).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut res = axum::response::Html(html).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(web::CONTENT_SECURITY_POLICY));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(res)
}

/// `GET /claim/{id}/qr.svg`: the offer URI as a QR code.
pub async fn get_claim_qr(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let s = &state.services;
    let row = s.store.get_offer(&id).await?.ok_or_else(|| ApiError::NotFound("offer not found".into()))?;
    let svg = web::qr::svg(&oid4vci::offer_uri(s, &row.id)).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(no_store(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()))
}

/// `GET /static/logo.svg`: the logo wallets show next to the credential.
pub async fn get_logo() -> Response {
    const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="12" fill="#1d3557"/><path d="M14 44V20h6l12 14 12-14h6v24h-6V30L32 44 20 30v14z" fill="#fff"/></svg>"##;
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], LOGO).into_response()
}
