//! Public credential URLs: the share URL with content negotiation (a browser gets the
//! verification page; `application/ld+json`, `application/vc+ld+json`,
//! `application/json` get the credential; `application/jwt` the JWT), downloads and QR
//! codes.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::service::credentials;

/// Representations of a credential, in the server's order of preference.
pub const OFFERS: [&str; 6] = [
    "text/html",
    "application/ld+json",
    "application/vc+ld+json",
    "application/json",
    "application/jwt",
    "application/vc+jwt",
];

/// Picks the best offer for an `Accept` header (RFC 9110 §12.5.1): highest q, then the
/// most specific range, then our order. No header means the first offer.
pub fn negotiate<'a>(accept: Option<&str>, offers: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return offers.first().copied();
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let range = it.next()?.trim().to_ascii_lowercase();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.trim().parse::<f32>().ok()))
                .next()
                .unwrap_or(1.0);
            (!range.is_empty()).then_some((range, q))
        })
        .collect();
    let quality = |offer: &str| -> Option<(f32, u8)> {
        let (ty, _) = offer.split_once('/')?;
        ranges
            .iter()
            .filter_map(|(r, q)| {
                let specificity = if r == offer {
                    2
                } else if r == &format!("{ty}/*") {
                    1
                } else if r == "*/*" {
                    0
                } else {
                    return None;
                };
                Some((*q, specificity))
            })
            .max_by_key(|(_, s)| *s)
    };
    let mut best: Option<(&str, f32, u8)> = None;
    for offer in offers {
        if let Some((q, s)) = quality(offer)
            && q > 0.0
            && best.is_none_or(|(_, bq, bs)| q > bq || (q == bq && s > bs))
        {
            best = Some((offer, q, s));
        }
    }
    best.map(|(o, _, _)| o)
}

fn typed(body: String, media: &str, disposition: Option<String>) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    res
}

/// `GET /credentials/{public_id}`.
pub async fn get_shared_credential(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = query.get("lang").cloned();
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let chosen = negotiate(accept, &OFFERS)
        .ok_or_else(|| ApiError::NotAcceptable(format!("available: {}", OFFERS.join(", "))))?;
    let row = match credentials::get_public(&state.services, &public_id).await.map_err(ApiError::from) {
        Ok(row) => row,
        // A browser following a wrong or mistyped link gets the friendly page.
        Err(ApiError::NotFound(_)) if chosen == "text/html" => {
            return super::pages::not_found_html(&headers, lang.as_deref());
        }
        Err(e) => return Err(e),
    };
    Ok(match chosen {
        "text/html" => super::pages::credential_html(&state, &row, &headers, lang.as_deref()).await?,
        "application/jwt" | "application/vc+jwt" => typed(row.jwt, chosen, None),
        json => typed(row.ldp, json, None),
    })
}

/// `GET /credentials/{public_id}/credential.json`: download.
pub async fn download_json(State(state): State<AppState>, Path(public_id): Path<String>) -> Result<Response, ApiError> {
    let row = credentials::get_public(&state.services, &public_id).await?;
    Ok(typed(
        row.ldp,
        "application/ld+json",
        Some(format!("attachment; filename=\"microcredential-{public_id}.json\"")),
    ))
}

/// `GET /credentials/{public_id}/credential.jwt`: download.
pub async fn download_jwt(State(state): State<AppState>, Path(public_id): Path<String>) -> Result<Response, ApiError> {
    let row = credentials::get_public(&state.services, &public_id).await?;
    Ok(typed(row.jwt, "application/jwt", Some(format!("attachment; filename=\"microcredential-{public_id}.jwt\""))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_negotiation_follows_q_values_and_specificity() {
        let cases = [
            (None, Some("text/html")),
            (Some("*/*"), Some("text/html")),
            (Some("application/json"), Some("application/json")),
            (Some("application/ld+json"), Some("application/ld+json")),
            (Some("application/vc+ld+json"), Some("application/vc+ld+json")),
            (Some("application/jwt"), Some("application/jwt")),
            (Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), Some("text/html")),
            (Some("application/json;q=0.5, application/jwt"), Some("application/jwt")),
            (Some("application/*"), Some("application/ld+json")),
            (Some("image/png"), None),
            (Some("text/html;q=0, */*"), Some("application/ld+json")),
        ];
        for (accept, want) in cases {
            assert_eq!(negotiate(accept, &OFFERS), want, "{accept:?}");
        }
    }
}
