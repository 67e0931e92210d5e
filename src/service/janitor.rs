//! Removes what has expired, once at start-up and then every `server.janitor_secs`:
//! unfinished batches of stopped nodes (with their credentials, which nobody was told
//! of), offers with their codes and access tokens, used nonces, and idempotency records.
//! Every node of a deployment runs it; the deletions are idempotent, so they may overlap.

use std::time::Duration;

use super::batch::BATCH_LEASE;
use super::{ServiceError, Services};
use crate::store::{PurgeBefore, Purged};

/// How long an expired offer or token is kept before it is removed (so a wallet that is
/// a little late gets "expired", not "unknown").
pub const EXPIRED_GRACE: Duration = Duration::from_secs(3600);

/// One pass. At start-up on a store only this process uses (SQLite), every pending batch
/// is one the previous process left unfinished and goes at once; on a shared store
/// (PostgreSQL) another node may be running it, so only batches without a heartbeat for
/// [`BATCH_LEASE`] go.
pub async fn sweep(s: &Services, at_startup: bool) -> Result<Purged, ServiceError> {
    let now = s.clock.now();
    let lease = if at_startup && !s.store.shared() { Duration::ZERO } else { BATCH_LEASE };
    let ago = |d: Duration| {
        (now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let before = PurgeBefore {
        batch_heartbeat: if lease.is_zero() {
            (now + chrono::Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        } else {
            ago(lease)
        },
        expired: ago(EXPIRED_GRACE),
        idempotency: ago(Duration::from_secs(s.settings.server.idempotency_hours.saturating_mul(3600))),
    };
    let purged = s.store.purge(&before).await?;
    if purged != Purged::default() {
        tracing::info!(
            batches = purged.batches,
            batch_credentials = purged.batch_credentials,
            offers = purged.offers,
            nonces = purged.nonces,
            idempotency_keys = purged.idempotency_keys,
            "janitor removed expired records"
        );
    }
    Ok(purged)
}

/// Runs [`sweep`] every `server.janitor_secs` until the process ends.
pub fn spawn(s: Services) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(s.settings.server.janitor_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&s, false).await {
                tracing::warn!(error = %e, "janitor pass failed; trying again at the next one");
            }
        }
    })
}
