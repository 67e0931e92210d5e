//! Server-rendered HTML pages, in Dutch and English, readable without JavaScript: the
//! credential page an employer opens from a link or QR code (verdict, then every EU
//! standard element of Annex I of Council Recommendation 2022/C 243/02 in plain
//! words), the paste-to-verify form, the home page and the not-found page.
//!
//! Pages are minijinja templates under `src/web/templates/`, embedded in the binary
//! and rendered with HTML auto-escaping; no HTML is built with `format!`. The HTTP
//! layer chooses the language ([`Lang::negotiate`]), verifies, and calls these
//! functions; this module does no I/O.

pub mod badge;
mod fmt;
pub mod labels;
mod lang;
mod linkedin;
pub mod qr;
mod text;
mod verdict;
mod view;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_pages;

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, context};
use serde_json::Value;

pub use lang::Lang;
pub use linkedin::linkedin_add_url;
pub use verdict::Verdict;

use verdict::VerdictView;

/// A Content-Security-Policy the pages work under: they have no scripts, one inline
/// `<style>` block, inline SVG icons, images (the QR code) from the same origin, and one
/// form that posts to the same origin. For the HTTP layer to send with every page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Why a page or QR code could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// A template failed to load or render (a bug in a template: tests catch these).
    #[error("template error: {0:#}")]
    Template(#[from] minijinja::Error),
    /// The text does not fit in a QR code.
    #[error("QR code: {0}")]
    Qr(String),
    /// The QR code image could not be encoded as PNG.
    #[error("PNG encoding: {0}")]
    Image(String),
}

/// The templates, by name.
const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("templates/base.html")),
    ("credential.html", include_str!("templates/credential.html")),
    ("fields.html", include_str!("templates/fields.html")),
    ("verify.html", include_str!("templates/verify.html")),
    ("home.html", include_str!("templates/home.html")),
    ("not_found.html", include_str!("templates/not_found.html")),
    ("claim.html", include_str!("templates/claim.html")),
    ("badge.svg", include_str!("templates/badge.svg")),
];

fn build_env() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// The one template environment, built on first use.
fn env() -> Result<&'static Environment<'static>, WebError> {
    // minijinja errors are not `Clone`: keep the first error's text for every caller.
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| build_env().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| WebError::Template(minijinja::Error::new(ErrorKind::SyntaxError, e.clone())))
}

fn render(name: &str, ctx: minijinja::Value) -> Result<String, WebError> {
    Ok(env()?.get_template(name)?.render(ctx)?)
}

/// What a credential page shows, and the links around it.
#[derive(Debug)]
pub struct CredentialPage<'a> {
    /// Page language.
    pub lang: Lang,
    /// The verdict at the top.
    pub verdict: Verdict,
    /// The credential JSON (ldp JSON, or JWT payload credential); None if unreadable.
    pub credential: Option<&'a Value>,
    /// `https://host/credentials/{public_id}` (None on the paste-to-verify result page).
    pub share_url: Option<&'a str>,
    /// Download link of the JSON (None when not available).
    pub json_url: Option<&'a str>,
    /// Download link of the JWT (None when not available).
    pub jwt_url: Option<&'a str>,
    /// Download link of the baked badge PNG (None when not available).
    pub badge_png_url: Option<&'a str>,
    /// Download link of the baked badge SVG (None when not available).
    pub badge_svg_url: Option<&'a str>,
    /// The QR code image (SVG) of the share URL.
    pub qr_svg_url: Option<&'a str>,
    /// Path for the language switch links, e.g. `/credentials/abc`; links are
    /// `{base}?lang=nl|en`.
    pub lang_switch_base: &'a str,
}

/// The credential page: verdict banner, Annex I elements, share and download links.
pub fn credential_page(page: &CredentialPage<'_>) -> Result<String, WebError> {
    let lang = page.lang;
    let t = text::ui(lang);
    let verdict = VerdictView::new(&page.verdict, lang);
    let view = page.credential.map(|c| view::credential_view(c, lang));
    let cert_id = view
        .as_ref()
        .and_then(|v| v.credential_id.clone())
        .or_else(|| page.share_url.and_then(|u| u.trim_end_matches('/').rsplit('/').next()).map(str::to_owned))
        .unwrap_or_default();
    let linkedin = match (page.credential, page.share_url) {
        // The title as the page shows it: the English page adds the English title.
        (Some(c), Some(share)) => linkedin_add_url(c, view.as_ref().and_then(|v| v.title.as_deref()), share, &cert_id),
        _ => None,
    };
    let headline = t.get(verdict.headline_key().as_str()).copied().unwrap_or_default();
    let page_title = match view.as_ref().and_then(|v| v.title.as_deref()) {
        Some(title) => format!("{title} – {headline}"),
        None => headline.to_owned(),
    };
    render(
        "credential.html",
        context! {
            lang => lang.code(),
            t,
            page_title,
            switch_base => page.lang_switch_base,
            verdict,
            c => view,
            share_url => page.share_url,
            json_url => page.json_url,
            jwt_url => page.jwt_url,
            badge_png_url => page.badge_png_url,
            badge_svg_url => page.badge_svg_url,
            qr_svg_url => page.qr_svg_url,
            linkedin_url => linkedin,
        },
    )
}

/// The paste-to-verify form (GET /verify), with `error` shown above it when given.
pub fn verify_form_page(lang: Lang, error: Option<&str>) -> Result<String, WebError> {
    let t = text::ui(lang);
    let page_title = t.get("verify_title").copied().unwrap_or_default();
    render("verify.html", context! { lang => lang.code(), t, page_title, switch_base => "/verify", error })
}

/// The home page (GET /): what the service is, and a link to /verify.
pub fn home_page(lang: Lang) -> Result<String, WebError> {
    let t = text::ui(lang);
    let page_title = t.get("home_title").copied().unwrap_or_default();
    render("home.html", context! { lang => lang.code(), t, page_title, switch_base => "/" })
}

/// What the learner-facing claim page of an OpenID4VCI offer shows.
#[derive(Debug)]
pub struct ClaimPage<'a> {
    /// Page language.
    pub lang: Lang,
    /// The `openid-credential-offer://` URI (`None` when the offer is gone).
    pub offer_uri: Option<&'a str>,
    /// QR code image of the offer URI.
    pub qr_svg_url: Option<&'a str>,
    /// Whether the wallet will ask for a PIN.
    pub needs_pin: bool,
    /// Until when (RFC 3339).
    pub expires_at: Option<&'a str>,
    /// Title of the microcredential.
    pub title: Option<&'a str>,
    /// Whether the credential was already collected.
    pub collected: bool,
    /// Path for the language switch.
    pub lang_switch_base: &'a str,
}

/// The claim page: a QR code a wallet scans to collect the credential (OpenID4VCI).
pub fn claim_page(page: &ClaimPage<'_>) -> Result<String, WebError> {
    let lang = page.lang;
    let t = text::ui(lang);
    let page_title = t.get("claim_title").copied().unwrap_or_default();
    let expires = page.expires_at.map(|e| {
        let time = e.get(11..16).unwrap_or_default();
        format!("{} {time} UTC", fmt::date(e, lang))
    });
    render(
        "claim.html",
        context! {
            lang => lang.code(), t, page_title, switch_base => page.lang_switch_base,
            offer_uri => page.offer_uri, qr_svg_url => page.qr_svg_url, needs_pin => page.needs_pin,
            expires, title => page.title, collected => page.collected,
        },
    )
}

/// The page for an unknown path or credential (served with status 404).
pub fn not_found_page(lang: Lang) -> Result<String, WebError> {
    let t = text::ui(lang);
    let page_title = t.get("nf_title").copied().unwrap_or_default();
    render("not_found.html", context! { lang => lang.code(), t, page_title, switch_base => None::<&str> })
}
