//! The overall verdict at the top of a credential page.

use serde::Serialize;

use super::{Lang, fmt};
use crate::trust::TrustStatus;
use crate::verify::{CheckStatus, VerificationReport};

/// The overall verdict shown at the top of a credential page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The signature verifies, every check passed, and the trust registry recognises the
    /// signer as the institution the credential names.
    Authentic {
        /// The institution's names from the registry (not from the credential).
        by: Option<crate::trust::Names>,
    },
    /// Every check passed, but the signer is not a recognised institution: the signature
    /// proves nothing about who awarded it.
    Unrecognised {
        /// The institution the credential claims.
        claimed: String,
    },
    /// Signed with a published demonstration key: proves nothing.
    Demo,
    /// The issuer revoked the credential (from the caller's status store).
    Revoked {
        /// When (a date or RFC 3339 date-time), if known.
        since: Option<String>,
        /// Why, if the issuer said.
        reason: Option<String>,
    },
    /// The issuer suspended the credential (from the caller's status store).
    Suspended {
        /// When (a date or RFC 3339 date-time), if known.
        since: Option<String>,
        /// Why, if the issuer said.
        reason: Option<String>,
    },
    /// Authentic, but past its `validUntil`.
    Expired {
        /// The credential's `validUntil`.
        on: String,
    },
    /// Not authentic, or not readable: every reason, for a human.
    NotVerifiable {
        /// The verification errors' messages.
        reasons: Vec<String>,
    },
}

impl Verdict {
    /// From a verification report: valid → Authentic; any error with code
    /// "validity.expired" → Expired (date from the credential's validUntil); otherwise
    /// NotVerifiable with the report's error messages. (Revoked/Suspended are set by the
    /// caller from its status store; they win over Authentic.)
    ///
    /// Expired is only given when expiry is the *only* error: a credential that is
    /// expired and also fails another check (a bad signature, say) is NotVerifiable,
    /// so that "expired" never vouches for a tampered credential.
    pub fn from_report(report: &VerificationReport) -> Verdict {
        let expired = report.has_code("validity.expired");
        let only_expired = report.errors.iter().all(|e| e.code == "validity.expired");
        let signed = report.checks.get("signature") == Some(&CheckStatus::Passed);
        // Who signed comes first: an unrecognised or demo signer is never "authentic",
        // not even "authentic but expired".
        if report.valid || (expired && only_expired && signed) {
            match report.issuer_trust.status {
                TrustStatus::Demo => return Verdict::Demo,
                TrustStatus::Unrecognised => {
                    let claimed = report
                        .credential
                        .as_ref()
                        .and_then(|c| crate::trust::Claimed::of(c).first_name().map(str::to_owned))
                        .unwrap_or_default();
                    return Verdict::Unrecognised { claimed };
                }
                TrustStatus::Recognised if report.valid => {
                    return Verdict::Authentic { by: report.issuer_trust.name.clone() };
                }
                _ => {}
            }
        }
        if expired && only_expired && signed {
            let on = report.credential.as_ref().and_then(|c| fmt::str_at(c, &["validUntil"])).unwrap_or_default();
            return Verdict::Expired { on };
        }
        let mut reasons: Vec<String> = report.errors.iter().map(|e| e.message.clone()).collect();
        if reasons.is_empty() {
            reasons.push("the credential could not be verified".into());
        }
        Verdict::NotVerifiable { reasons }
    }
}

/// The verdict as the templates read it.
#[derive(Debug, Serialize)]
pub struct VerdictView {
    /// `authentic`, `unrecognised`, `demo`, `revoked`, `suspended`, `expired` or
    /// `not_verifiable`.
    pub kind: &'static str,
    /// Authentic: the institution's name from the trust registry, in the page language.
    by: Option<String>,
    /// Unrecognised: the institution the credential claims.
    claimed: Option<String>,
    since: Option<String>,
    reason: Option<String>,
    on: Option<String>,
    reasons: Vec<String>,
}

impl VerdictView {
    /// Dates formatted in the page language.
    pub fn new(v: &Verdict, lang: Lang) -> Self {
        let when = |s: &Option<String>| s.as_deref().map(|d| fmt::date(d, lang));
        let base = |kind| VerdictView {
            kind,
            by: None,
            claimed: None,
            since: None,
            reason: None,
            on: None,
            reasons: Vec::new(),
        };
        match v {
            Verdict::Authentic { by } => VerdictView {
                by: by.as_ref().map(|n| if lang == Lang::Nl { n.nl.clone() } else { n.en.clone() }),
                ..base("authentic")
            },
            Verdict::Unrecognised { claimed } => {
                let fallback = if lang == Lang::Nl { "de genoemde instelling" } else { "the institution it names" };
                let claimed = if claimed.is_empty() { fallback.to_owned() } else { claimed.clone() };
                VerdictView { claimed: Some(claimed), ..base("unrecognised") }
            }
            Verdict::Demo => base("demo"),
            Verdict::Revoked { since, reason } => {
                VerdictView { since: when(since), reason: reason.clone(), ..base("revoked") }
            }
            Verdict::Suspended { since, reason } => {
                VerdictView { since: when(since), reason: reason.clone(), ..base("suspended") }
            }
            Verdict::Expired { on } => {
                VerdictView { on: Some(fmt::date(on, lang)).filter(|d| !d.is_empty()), ..base("expired") }
            }
            Verdict::NotVerifiable { reasons } => VerdictView { reasons: reasons.clone(), ..base("not_verifiable") },
        }
    }

    /// The key of the verdict's headline in the page text (`v_authentic`, …).
    pub fn headline_key(&self) -> String {
        format!("v_{}", self.kind)
    }
}
