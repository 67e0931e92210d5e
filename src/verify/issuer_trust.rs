//! Check `issuer.recognised`: who signed, from the trust registry, and whether the
//! credential names that institution.

use super::*;

/// Who signed, from the trust registry (never from the credential's own words), once the
/// signature verified: recognised, unrecognised or demo (warnings: `valid` is unaffected,
/// `trusted` is false), or mismatch (an error: the credential names another institution
/// than the one that signed it).
pub(super) fn check_trust(
    v: &Value,
    key: &ResolvedKey,
    signed_at: Option<DateTime<Utc>>,
    ctx: VerifyContext<'_>,
    r: &mut VerificationReport,
) {
    if r.checks.get("signature") != Some(&CheckStatus::Passed) {
        return;
    }
    let claimed = Claimed::of(v);
    let at = signed_at.unwrap_or_else(|| ctx.clock.now());
    let (trust, why) = crate::trust::decide(ctx.trust, &key.controller, &key.jwk, at, &claimed);
    let check = "issuer.recognised";
    let claimed_name = claimed.first_name().unwrap_or("the institution it names").to_owned();
    match trust.status {
        TrustStatus::Recognised => r.pass(check),
        TrustStatus::Demo => r.warn(
            check,
            "issuer.demo",
            "demonstration credential: signed with a public test key (keys-example/); it proves nothing",
            Some("/proof".into()),
        ),
        TrustStatus::Unrecognised => r.warn(
            check,
            "issuer.unrecognised",
            format!(
                "the signature is correct, but the signer {} is not a recognised institution: this does not prove that {claimed_name} awarded it",
                key.controller
            ),
            Some("/issuer".into()),
        ),
        TrustStatus::Mismatch => r.fail(
            check,
            "issuer.mismatch",
            why.unwrap_or_else(|| "the credential names another institution than the one that signed it".into()),
            Some("/issuer".into()),
        ),
    }
    r.issuer_trust = trust;
}
