//! Server-rendered pages: home, the verification page of a shared credential (the share
//! URL for browsers), QR codes, and the paste-or-upload verify page. Readable without
//! JavaScript, Dutch and English (`?lang=` or Accept-Language).

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::extract::media_type;
use crate::http::routes::verify::verify_with;
use crate::http::state::AppState;
use crate::service::credentials;
use crate::store::CredentialRow;
use crate::verify::{CheckStatus, VerificationReport};
use crate::web::{self, CredentialPage, Lang, Verdict};

/// Page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(get_home))
        .route("/verify", get(get_verify_form).post(post_verify_form))
        .route("/credentials/{public_id}/qr.svg", get(get_qr_svg))
        .route("/credentials/{public_id}/qr.png", get(get_qr_png))
        .fallback(page_not_found)
}

/// `?lang=nl|en`.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    Lang::negotiate(query, headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

fn html(status: StatusCode, body: String, lang: Lang) -> Response {
    let mut res = (status, Html(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(web::CONTENT_SECURITY_POLICY));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("Accept, Accept-Language"));
    if let Ok(v) = HeaderValue::from_str(lang.code()) {
        h.insert(header::CONTENT_LANGUAGE, v);
    }
    res
}

fn page_error(e: web::WebError) -> ApiError {
    ApiError::Internal(format!("page rendering failed: {e}"))
}

async fn get_home(Query(q): Query<LangQuery>, headers: HeaderMap) -> Result<Response, ApiError> {
    let lang = lang_of(q.lang.as_deref(), &headers);
    Ok(html(StatusCode::OK, web::home_page(lang).map_err(page_error)?, lang))
}

/// Whether a 404 is for a program rather than a person: anything under `/.well-known/`
/// (discovery by wallets and OAuth clients, which parse the body as JSON), and any
/// request whose `Accept` prefers JSON to HTML.
fn wants_json(uri: &Uri, headers: &HeaderMap) -> bool {
    if uri.path().starts_with("/.well-known/") {
        return true;
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    accept.is_some()
        && crate::http::routes::public::negotiate(
            accept,
            &["text/html", "application/json", "application/problem+json"],
        ) != Some("text/html")
}

async fn page_not_found(uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    if wants_json(&uri, &headers) {
        return Err(ApiError::NotFound(format!(
            "nothing at {}; the API is under /api/v1 (see /api/v1/openapi.json)",
            uri.path().chars().take(200).collect::<String>()
        )));
    }
    not_found_html(&headers, None)
}

/// The not-found page (404) in the reader's language.
pub fn not_found_html(headers: &HeaderMap, lang_query: Option<&str>) -> Result<Response, ApiError> {
    let lang = lang_of(lang_query, headers);
    Ok(html(StatusCode::NOT_FOUND, web::not_found_page(lang).map_err(page_error)?, lang))
}

/// When our status store changed a credential of ours to the state its (signed) status
/// list shows, so that a pasted or uploaded credential's page gives the date as the
/// share page does.
async fn stored_status_since(state: &AppState, report: &VerificationReport, status: &str) -> Option<String> {
    let issuer = report.issuer.as_deref()?;
    let snap = state.services.directory.snapshot().await.ok()?;
    let slug = snap.slug_of(issuer)?;
    let id = report.credential.as_ref()?.get("id")?.as_str()?;
    let row = state.services.store.get_credential_by_id(slug, id).await.ok()??;
    (row.status == status).then_some(row.status_changed_at).flatten()
}

/// The verdict for a report, with our own status store's word for our own credentials.
pub fn verdict_for(report: &VerificationReport, row: Option<&CredentialRow>) -> Verdict {
    if let Some(row) = row {
        let since = row.status_changed_at.clone();
        match row.status.as_str() {
            "revoked" => return Verdict::Revoked { since, reason: None },
            "suspended" => return Verdict::Suspended { since, reason: None },
            _ => {}
        }
    }
    let signed = report.checks.get("signature") == Some(&CheckStatus::Passed);
    let only = |code: &str| report.errors.iter().all(|e| e.code == code);
    if signed && report.has_code("status.revoked") && only("status.revoked") {
        return Verdict::Revoked { since: None, reason: None };
    }
    if signed && report.has_code("status.suspended") && only("status.suspended") {
        return Verdict::Suspended { since: None, reason: None };
    }
    Verdict::from_report(report)
}

/// The verification page of a stored credential (the share URL in a browser).
pub async fn credential_html(
    state: &AppState,
    row: &CredentialRow,
    headers: &HeaderMap,
    lang_query: Option<&str>,
) -> Result<Response, ApiError> {
    let lang = lang_of(lang_query, headers);
    let report = verify_with(state, row.ldp.clone()).await?;
    let verdict = verdict_for(&report, Some(row));
    let s = &state.services;
    let share = s.url(&format!("/credentials/{}", row.public_id));
    let json_url = s.url(&format!("/credentials/{}/credential.json", row.public_id));
    let jwt_url = s.url(&format!("/credentials/{}/credential.jwt", row.public_id));
    let qr = format!("/credentials/{}/qr.svg", row.public_id);
    let badge_png = format!("/credentials/{}/badge.png", row.public_id);
    let badge_svg = format!("/credentials/{}/badge.svg", row.public_id);
    let base = format!("/credentials/{}", row.public_id);
    let page = CredentialPage {
        lang,
        verdict,
        credential: report.credential.as_ref(),
        share_url: Some(&share),
        json_url: Some(&json_url),
        jwt_url: Some(&jwt_url),
        badge_png_url: Some(&badge_png),
        badge_svg_url: Some(&badge_svg),
        qr_svg_url: Some(&qr),
        lang_switch_base: &base,
    };
    Ok(html(StatusCode::OK, web::credential_page(&page).map_err(page_error)?, lang))
}

async fn get_verify_form(Query(q): Query<LangQuery>, headers: HeaderMap) -> Result<Response, ApiError> {
    let lang = lang_of(q.lang.as_deref(), &headers);
    Ok(html(StatusCode::OK, web::verify_form_page(lang, None).map_err(page_error)?, lang))
}

/// Reads the pasted text or the uploaded file of the verify form.
async fn submitted_text(req: Request, state: &AppState) -> Result<String, String> {
    let media = media_type(req.headers()).unwrap_or_default();
    if media == "multipart/form-data" {
        let mut form = Multipart::from_request(req, state).await.map_err(|e| e.body_text())?;
        let (mut pasted, mut uploaded) = (String::new(), String::new());
        while let Some(field) = form.next_field().await.map_err(|e| e.body_text())? {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| e.body_text())?;
            let text = if name == "file" && crate::bake::ImageKind::sniff(&bytes).is_some() {
                // A baked badge (PNG or SVG): its first credential.
                crate::cpu::run(move |_| crate::bake::unbake(&bytes))
                    .await
                    .map_err(|e| format!("reading the image failed: {e}"))?
                    .map_err(|e| format!("cannot read a credential from the image: {e}"))?
            } else {
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| "the file is not text (expected JSON, a JWT or a baked badge image)".to_owned())?
            };
            match name.as_str() {
                "credential" => pasted = text,
                "file" => uploaded = text,
                _ => {}
            }
        }
        Ok(if uploaded.trim().is_empty() { pasted } else { uploaded })
    } else if media == "application/x-www-form-urlencoded" {
        let axum::Form(form) = axum::Form::<std::collections::HashMap<String, String>>::from_request(req, state)
            .await
            .map_err(|e| e.body_text())?;
        Ok(form.get("credential").cloned().unwrap_or_default())
    } else {
        Err("send the form as multipart/form-data or application/x-www-form-urlencoded".into())
    }
}

async fn post_verify_form(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let lang = lang_of(q.lang.as_deref(), req.headers());
    let text = match submitted_text(req, &state).await {
        Ok(t) if !t.trim().is_empty() => t,
        Ok(_) => {
            let msg = if lang == Lang::Nl {
                "Plak een credential (JSON of JWT) of kies een bestand."
            } else {
                "Paste a credential (JSON or JWT) or choose a file."
            };
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                web::verify_form_page(lang, Some(msg)).map_err(page_error)?,
                lang,
            ));
        }
        Err(e) => {
            return Ok(html(StatusCode::BAD_REQUEST, web::verify_form_page(lang, Some(&e)).map_err(page_error)?, lang));
        }
    };
    let (verdict, credential) = match verify_with(&state, text).await {
        Ok(report) => {
            let mut verdict = verdict_for(&report, None);
            match &mut verdict {
                Verdict::Revoked { since, .. } if since.is_none() => {
                    *since = stored_status_since(&state, &report, "revoked").await;
                }
                Verdict::Suspended { since, .. } if since.is_none() => {
                    *since = stored_status_since(&state, &report, "suspended").await;
                }
                _ => {}
            }
            (verdict, report.credential)
        }
        Err(ApiError::TooComplex(why)) => (Verdict::NotVerifiable { reasons: vec![why] }, None),
        Err(e) => return Err(e),
    };
    let page = CredentialPage {
        lang,
        verdict,
        credential: credential.as_ref(),
        share_url: None,
        json_url: None,
        jwt_url: None,
        badge_png_url: None,
        badge_svg_url: None,
        qr_svg_url: None,
        lang_switch_base: "/verify",
    };
    Ok(html(StatusCode::OK, web::credential_page(&page).map_err(page_error)?, lang))
}

async fn get_qr_svg(State(state): State<AppState>, Path(public_id): Path<String>) -> Result<Response, ApiError> {
    let row = credentials::get_public(&state.services, &public_id).await?;
    let svg = web::qr::svg(&state.services.url(&format!("/credentials/{}", row.public_id))).map_err(page_error)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], svg)
        .into_response())
}

async fn get_qr_png(State(state): State<AppState>, Path(public_id): Path<String>) -> Result<Response, ApiError> {
    let row = credentials::get_public(&state.services, &public_id).await?;
    let png = web::qr::png(&state.services.url(&format!("/credentials/{}", row.public_id))).map_err(page_error)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], png).into_response())
}
