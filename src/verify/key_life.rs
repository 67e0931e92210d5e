//! Check `issuer_key` (lifetime): when a key of ours may have signed, decided by what a
//! signer cannot choose.

use super::*;

/// The lifetime of a key of ours, which the signer cannot choose:
/// - a proof dated (DI `created`, JWT `iat`; not `nbf`, the credential's `validFrom`)
///   before the key was made is refused (`key.before_creation`): no credential was signed
///   with a key that did not exist;
/// - a credential signed by a key we rotated out or marked compromised is valid only if
///   the institution's records hold it, same id and same signature
///   (`key.not_issued` otherwise): the date in a proof is the signer's word, and whoever
///   holds a leaked key can write any date. Where the records cannot be consulted (the
///   CLI, or before the caller looked them up: [`VerificationReport::needs_record`]), the
///   dates decide as before: a proof made after the retirement, or from the compromise
///   on, or without a date, fails.
pub(super) fn check_key_life(
    key: &ResolvedKey,
    signed: Signed<'_>,
    ctx: VerifyContext<'_>,
    r: &mut VerificationReport,
) {
    let Some(life) = ctx.trust.key_life(&key.id) else { return };
    let signed_at = signed.at;
    let when = signed_at.map_or_else(|| "at an unknown time".to_owned(), |t| format!("on {t}"));
    if let (Some(created), Some(t)) = (life.created_at, signed.signing_time)
        && t < created
    {
        r.fail(
            "issuer_key",
            "key.before_creation",
            format!(
                "the proof says it was made {when} with key {}, which was only created on {created}: the date is false",
                key.id
            ),
            Some("/proof".into()),
        );
        return;
    }
    if life.retired_at.is_none() && life.compromised_since.is_none() {
        return;
    }
    if let Some(held) = ctx.trust.held() {
        let holds = signed.credential_id.zip(signed.signature).is_some_and(|(id, sig)| held.holds(id, sig));
        if !holds {
            let state = match (life.compromised_since, life.retired_at) {
                (Some(since), _) => format!("reported compromised since {since}"),
                (None, Some(retired)) => format!("retired on {retired}"),
                (None, None) => String::new(),
            };
            r.fail(
                "issuer_key",
                "key.not_issued",
                format!(
                    "not issued by this institution: signed with key {}, {state}, and the institution's records hold no such credential (whoever has a leaked key can sign any date)",
                    key.id
                ),
                Some("/proof".into()),
            );
        }
        return;
    }
    if let Some(id) = signed.credential_id {
        r.needs_record = Some((key.controller.clone(), id.to_owned()));
    }
    if let Some(since) = life.compromised_since
        && signed_at.is_none_or(|t| t >= since)
    {
        r.fail(
            "issuer_key",
            "key.compromised",
            format!(
                "the proof was made {when} with key {}, which its institution reported compromised since {since}",
                key.id
            ),
            Some("/proof".into()),
        );
    } else if let Some(retired) = life.retired_at
        && signed_at.is_none_or(|t| t > retired)
    {
        r.fail(
            "issuer_key",
            "key.retired",
            format!("the proof was made {when} with key {}, which was retired on {retired}", key.id),
            Some("/proof".into()),
        );
    }
}

/// What a proof says of itself, for the key-life check: its date (the signer's word),
/// the credential's id and the signature.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Signed<'a> {
    /// When the proof says it was made or the credential became valid (JWT `nbf`).
    pub(super) at: Option<DateTime<Utc>>,
    /// When the proof says it was made: DI `created`, JWT `iat` (not `nbf`, which OB 3.0
    /// sets to the credential's `validFrom`, often before the key existed).
    pub(super) signing_time: Option<DateTime<Utc>>,
    pub(super) credential_id: Option<&'a str>,
    pub(super) signature: Option<&'a str>,
}
