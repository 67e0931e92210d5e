//! The `microcred` command line: `validate`, `issue`, `verify`, `keys`, and the service's
//! `serve`, `institutions`, `apikeys` and status commands. Every command calls the same
//! library functions as the HTTP service.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::Value;

use crate::clock::{Clock, FixedClock, SystemClock};
use crate::crypto::did::{Resolver, did_document};
use crate::crypto::keys::{IssuerKey, KeyAlg};
use crate::domain::{ValidationReport, parse_record};
use crate::issuance::{Format, IssueOptions};

mod badge;
mod verify;

/// Largest input file read (a batch of records).
const MAX_FILE_BYTES: u64 = 512 << 20;

/// Exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Invalid input (a record breaks rules, a credential does not verify).
    pub const INVALID: u8 = 1;
    /// Unreadable input, not JSON, bad key, bad arguments.
    pub const UNUSABLE: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "microcred",
    version,
    about = "Issue and verify Flemish higher-education microcredentials as signed Open Badges 3.0 credentials",
    after_help = "Examples:\n  microcred keys generate --out issuer.jwk\n  microcred validate record.json\n  microcred issue record.json --key issuer.jwk > credential.json\n  microcred verify credential.json\n\nExit codes: 0 ok, 1 invalid, 2 unreadable input or bad arguments."
)]
/// The parsed command line.
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check microcredential records against rules MC-R01..MC-R21.
    #[command(
        after_help = "Prints {\"valid\":bool,\"errors\":[...],\"warnings\":[...]} per record (one line each for an array).\n\nExamples:\n  microcred validate record.json\n  microcred validate batch.json --today 2025-09-01\n  cat record.json | microcred validate -\n\nExit codes: 0 all valid, 1 any invalid, 2 unreadable or not JSON."
    )]
    Validate {
        /// A JSON file with one record or an array of records (`-` for stdin).
        file: PathBuf,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Validate records and sign them as OB 3.0 credentials.
    #[command(
        after_help = "Prints one credential per line (ldp: JSON; jwt: the compact token). If any record is invalid, nothing is issued: the validation reports go to stderr and the exit code is 1.\n\nExamples:\n  microcred issue record.json --key issuer.jwk\n  microcred issue record.json --key issuer.jwk --format jwt\n  microcred issue batch.json --key keys-example/demo-issuer.jwk --out credentials.jsonl\n\nExit codes: 0 issued, 1 invalid record, 2 unreadable input, bad key or refused signature."
    )]
    Issue {
        /// A JSON file with one record or an array of records (`-` for stdin).
        file: PathBuf,
        /// Private JWK of the issuer (Ed25519 for ldp; Ed25519 or RSA for jwt).
        #[arg(long)]
        key: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Ldp)]
        format: FormatArg,
        /// Write the credentials to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Expiry date (YYYY-MM-DD); microcredentials normally do not expire.
        #[arg(long)]
        valid_until: Option<NaiveDate>,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Verify credentials: JSON with an embedded proof, a compact JWT, many of them, or a
    /// baked badge image.
    #[command(
        after_help = "Prints one verification report {valid, trusted, format, issuer, checks, errors, warnings} per credential, one per line in input order. A FILE holds one credential (JSON or a JWT), a JSON array of them, JSON lines (one per line), or a baked badge image (PNG or SVG); several FILEs are read in turn. Credentials are verified in parallel on every core.\n\nExamples:\n  microcred verify credential.json\n  microcred issue record.json --key issuer.jwk --format jwt | microcred verify -\n  microcred verify credential.json --did-doc keys-example/did.json\n  microcred verify credentials.jsonl more.json badge.png\n\nExit codes: 0 all valid, 1 any not valid, 2 unreadable input."
    )]
    Verify {
        /// The credentials (`-` for stdin); one or more files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// DID document of a did:web issuer to trust for key resolution (repeatable; never fetched).
        #[arg(long = "did-doc")]
        did_docs: Vec<PathBuf>,
        /// Verify as of this instant (RFC 3339) instead of now.
        #[arg(long)]
        now: Option<chrono::DateTime<Utc>>,
        /// A status list credential to use instead of fetching it (repeatable; matched by its id).
        #[arg(long = "status-list")]
        status_lists: Vec<PathBuf>,
        /// Allow fetching status lists (and other deployments' copies of our contexts,
        /// compared by SHA-256) over plain http and from private or loopback addresses
        /// (closed networks, local testing). Off by default (SSRF protection).
        #[arg(long)]
        allow_private_status_urls: bool,
        /// A signed issuer trust list (repeatable): its issuers are recognised institutions
        /// (the report's `trusted`); needs --trust-anchor.
        #[arg(long = "trust-list")]
        trust_lists: Vec<PathBuf>,
        /// DID of a trust-list operator whose lists are trusted (repeatable).
        #[arg(long = "trust-anchor")]
        trust_anchors: Vec<String>,
    },
    /// Bake a credential into a badge image (Open Badges 3.0 "Baked Badge").
    #[command(
        after_help = "CREDENTIAL is the JSON credential or the VC-JWT. Without --image, the badge image is made from the credential (title, institution, ECTS, level, type) in the format --out names (.png or .svg). Baking replaces a credential baked in before.\n\nExamples:\n  microcred bake credential.json --out badge.png\n  microcred bake credential.jwt --image our-badge.svg --out badge.svg\n\nExit codes: 0 baked, 2 unreadable input or image."
    )]
    Bake {
        /// The credential (`-` for stdin).
        credential: PathBuf,
        /// The image to bake it into (PNG or SVG); default: the credential's own badge.
        #[arg(long)]
        image: Option<PathBuf>,
        /// Where to write the baked image.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the credential baked into a badge image (PNG or SVG).
    #[command(
        after_help = "Examples:\n  microcred unbake badge.png > credential.json\n  microcred unbake badge.png | microcred verify -\n\nExit codes: 0 found, 1 no credential in the image, 2 unreadable or not a PNG/SVG."
    )]
    Unbake {
        /// The image (`-` for stdin).
        image: PathBuf,
    },
    /// Issuer trust lists: the 18 Flemish institutions as a template, create and sign a
    /// list as its operator, verify one.
    #[command(subcommand)]
    TrustList(TrustListCommand),
    /// Manage issuer keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Run the issuer service (HTTP API, public pages, did:web documents).
    #[command(
        after_help = "With no configuration it starts on http://localhost:8080 with SQLite under ./data/ and a demo institution signing with the PUBLIC demo key (never for production).\n\nExamples:\n  microcred serve\n  microcred serve --config microcred.toml\n  DATABASE_URL=postgres://localhost/microcred microcred serve\n  MICROCRED_SERVER__PORT=9000 microcred serve"
    )]
    Serve {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Manage institutions (issuer profiles) of the service.
    #[command(subcommand)]
    Institutions(InstitutionsCommand),
    /// Manage API keys of the service.
    #[command(subcommand)]
    Apikeys(ApikeysCommand),
    /// Revoke credentials of an institution (final): by public id, or all of a definition.
    #[command(
        after_help = "Examples:\n  microcred revoke --institution kuleuven --reason 'issued in error' Ab3dEf...\n  microcred revoke --institution kuleuven --achievement ach_123 --from 2025-01-01 --until 2025-06-30 --reason 'course withdrawn'"
    )]
    Revoke {
        #[command(flatten)]
        target: StatusTarget,
        /// Every credential of this definition instead of listed ids.
        #[arg(long, conflicts_with = "public_ids")]
        achievement: Option<String>,
        /// With --achievement: issued on or after this date (YYYY-MM-DD).
        #[arg(long, requires = "achievement")]
        from: Option<NaiveDate>,
        /// With --achievement: issued on or before this date (YYYY-MM-DD).
        #[arg(long, requires = "achievement")]
        until: Option<NaiveDate>,
    },
    /// Suspend credentials (needs status.suspension when they were issued).
    #[command(after_help = "Examples:\n  microcred suspend --institution kuleuven --reason 'inquiry' Ab3dEf...")]
    Suspend {
        #[command(flatten)]
        target: StatusTarget,
    },
    /// Lift a suspension.
    #[command(
        after_help = "Examples:\n  microcred reinstate --institution kuleuven --reason 'inquiry closed' Ab3dEf..."
    )]
    Reinstate {
        #[command(flatten)]
        target: StatusTarget,
    },
    /// Print an institution's audit log of status changes (newest first, JSON lines).
    #[command(after_help = "Examples:\n  microcred audit --institution kuleuven --limit 50")]
    Audit {
        /// Institution slug.
        #[arg(long)]
        institution: String,
        /// Entries.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Clone, Args)]
struct StatusTarget {
    /// Institution slug.
    #[arg(long)]
    institution: String,
    /// Why (kept in the audit log).
    #[arg(long)]
    reason: Option<String>,
    /// Public ids of the credentials.
    public_ids: Vec<String>,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Debug, Clone, Args)]
struct ConfigArgs {
    /// TOML configuration file (also MICROCRED_CONFIG); environment variables MICROCRED_… override it.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum InstitutionsCommand {
    /// Create an institution with its first signing key.
    #[command(after_help = "Examples:\n  microcred institutions create --slug kuleuven --institution-id kuleuven")]
    Create {
        /// URL slug; its DID becomes did:web:{host}:issuers:{slug}.
        #[arg(long)]
        slug: String,
        /// Which of the 18 Flemish institutions it awards for.
        #[arg(long)]
        institution_id: String,
        /// Display name (default: the official name).
        #[arg(long)]
        name: Option<String>,
        /// Homepage (default: the official homepage).
        #[arg(long)]
        url: Option<String>,
        /// `web`: sign as did:web:{host}:issuers:{slug} (keys can be rotated); `key`: sign
        /// as the did:key of its one key (verifiers need no network; no rotation).
        #[arg(long, default_value = "web", value_parser = ["web", "key"])]
        did_method: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// List institutions with their DIDs.
    #[command(after_help = "Examples:\n  microcred institutions list")]
    List {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TrustListCommand {
    /// Print the 18 Flemish institutions (ids, official names in Dutch and English, URLs) as
    /// list entries with an empty `did` to fill in.
    #[command(after_help = "Examples:\n  microcred trust-list template > entries.json")]
    Template,
    /// Create and sign a trust list as its operator.
    #[command(
        after_help = "ENTRIES is a JSON array of {did, institution_id?, name?: {nl, en}, url?, valid_from?, valid_until?, did_document?}; names and URL default from institution_id; a did_document's Ed25519 assertion keys are copied into the list so verifiers need not fetch it.\n\nExamples:\n  microcred keys generate --out operator.jwk\n  microcred trust-list create entries.json --key operator.jwk --valid-days 365 --out trust-list.json"
    )]
    Create {
        /// The entries (JSON array; `-` for stdin).
        entries: PathBuf,
        /// The operator's private Ed25519 JWK (its DID is the list's issuer).
        #[arg(long)]
        key: PathBuf,
        /// How long the list is valid.
        #[arg(long, default_value_t = 365)]
        valid_days: i64,
        /// Write the list here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify a trust list against the operators you trust; prints its entries.
    #[command(
        after_help = "Exit codes: 0 valid, 1 refused (the reason on stderr), 2 unreadable input.\n\nExamples:\n  microcred trust-list verify trust-list.json --anchor did:key:z6Mk..."
    )]
    Verify {
        /// The list (`-` for stdin).
        file: PathBuf,
        /// DID of a trusted operator (repeatable).
        #[arg(long = "anchor", required = true)]
        anchors: Vec<String>,
        /// Verify as of this instant (RFC 3339) instead of now.
        #[arg(long)]
        now: Option<chrono::DateTime<Utc>>,
    },
}

#[derive(Debug, Subcommand)]
enum ApikeysCommand {
    /// Create an API key and print it once (only its hash is stored).
    #[command(
        after_help = "Examples:\n  microcred apikeys create --institution kuleuven\n  microcred apikeys create --admin --label ops"
    )]
    Create {
        /// The institution the key acts for.
        #[arg(long, conflicts_with = "admin", required_unless_present = "admin")]
        institution: Option<String>,
        /// An admin key (manages institutions, keys and API keys) instead.
        #[arg(long)]
        admin: bool,
        /// What the key is for.
        #[arg(long, default_value = "cli")]
        label: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// List API keys (id, institution, label, created, revoked), never their tokens.
    #[command(
        after_help = "Prints one line per key: id, institution (or 'admin'), label, created_at, status (active, or revoked with when and by whom).\n\nExamples:\n  microcred apikeys list\n  microcred apikeys list --institution kuleuven"
    )]
    List {
        /// Only this institution's keys.
        #[arg(long)]
        institution: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Revoke an API key at once: its next request gets 401, on every node.
    #[command(
        after_help = "Recorded on the key (when, by 'cli') and in the institution's audit log.\n\nExamples:\n  microcred apikeys revoke key_0123456789abcdef --reason 'leaked in a CI log'\n  microcred apikeys revoke --institution kuleuven key_0123456789abcdef"
    )]
    Revoke {
        /// The key's id (`key_…`, from `apikeys list`).
        key_id: String,
        /// Only if the key belongs to this institution.
        #[arg(long)]
        institution: Option<String>,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Generate a private JWK (file mode 0600) and print its DID.
    #[command(
        after_help = "Examples:\n  microcred keys generate --out issuer.jwk\n  microcred keys generate --alg rs256 --out issuer-rsa.jwk\n  microcred keys generate --out kul.jwk --did-web 'did:web:badges.example.be:issuers:kuleuven#key-1'"
    )]
    Generate {
        /// Key type.
        #[arg(long, value_enum, default_value_t = AlgArg::Ed25519)]
        alg: AlgArg,
        /// Where to write the private JWK (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// Sign as this did:web key (`did:web:…#key-1`) instead of the key's did:key.
        #[arg(long)]
        did_web: Option<String>,
    },
    /// Rotate the signing key of a service institution: the new key signs from now on;
    /// old public keys stay in its DID document so earlier credentials still verify.
    #[command(after_help = "Examples:\n  microcred keys rotate --institution kuleuven")]
    Rotate {
        /// The institution's slug.
        #[arg(long)]
        institution: String,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Report a key of a service institution compromised since an instant: signatures
    /// dated from then on fail verification (`key.compromised`); it stays in the DID
    /// document so earlier credentials keep verifying. Audited.
    #[command(
        after_help = "Examples:\n  microcred keys compromise --institution kuleuven --key key-1 --since 2026-11-20T00:00:00Z --reason 'laptop stolen'"
    )]
    Compromise {
        /// The institution's slug.
        #[arg(long)]
        institution: String,
        /// The key id or its fragment (`key-1`).
        #[arg(long)]
        key: String,
        /// From when (RFC 3339).
        #[arg(long)]
        since: chrono::DateTime<Utc>,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Print the DID document (did.json) for one or more keys of the same did:web.
    #[command(after_help = "Examples:\n  microcred keys did-document --key keys-example/demo-issuer.jwk > did.json")]
    DidDocument {
        /// Private or public JWKs (repeatable); their kids name the did:web keys.
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
struct ClockArgs {
    /// Treat this date as today (YYYY-MM-DD) for the issuing-date rule MC-R17.
    #[arg(long)]
    today: Option<NaiveDate>,
}

impl ClockArgs {
    fn clock(&self) -> Box<dyn Clock> {
        match self.today {
            Some(d) => Box::new(FixedClock::at_date(d)),
            None => Box::new(SystemClock),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Ldp,
    Jwt,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AlgArg {
    Ed25519,
    Rs256,
}

/// An error with the exit code it deserves.
#[derive(Debug)]
pub struct Exit(pub u8, pub String);

/// Runs the command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return exit::UNUSABLE;
        }
    };
    match rt.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::UNUSABLE
        }
    }
}

async fn dispatch(command: Command) -> Result<u8> {
    match command {
        Command::Validate { file, clock } => validate(&file, clock.clock().as_ref()),
        Command::Issue { file, key, format, out, valid_until, clock } => {
            let format = match format {
                FormatArg::Ldp => Format::Ldp,
                FormatArg::Jwt => Format::Jwt,
            };
            let options = IssueOptions {
                format,
                valid_until: valid_until.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
                ..Default::default()
            };
            issue_file(&file, &key, &options, out.as_deref(), clock.clock().as_ref()).await
        }
        Command::Verify {
            files,
            did_docs,
            now,
            status_lists,
            allow_private_status_urls,
            trust_lists,
            trust_anchors,
        } => {
            let clock: Box<dyn Clock> = match now {
                Some(t) => Box::new(FixedClock(t)),
                None => Box::new(SystemClock),
            };
            let trust = TrustArgs { lists: trust_lists, anchors: trust_anchors };
            let sources = verify::Sources {
                did_docs: &did_docs,
                status_lists: &status_lists,
                allow_private: allow_private_status_urls,
                trust: &trust,
            };
            verify::verify_files(&files, sources, clock).await
        }
        Command::Bake { credential, image, out } => badge::bake_cmd(&credential, image.as_deref(), &out),
        Command::Unbake { image } => badge::unbake_cmd(&image),
        Command::TrustList(cmd) => trust_list(cmd).await,
        Command::Keys(KeysCommand::Compromise { institution, key, since, reason, config }) => {
            let s = services(&config).await?;
            let k = s
                .directory
                .mark_compromised(&institution, &key, since, "cli", reason.as_deref(), s.clock.as_ref())
                .await?;
            println!("{}", k.kid);
            eprintln!(
                "key {} of '{institution}' is compromised since {since}: signatures dated from then on fail",
                k.kid
            );
            Ok(exit::OK)
        }
        Command::Keys(KeysCommand::Generate { alg, out, did_web }) => keys_generate(alg, &out, did_web),
        Command::Keys(KeysCommand::DidDocument { keys }) => keys_did_document(&keys),
        Command::Keys(KeysCommand::Rotate { institution, config }) => {
            let s = services(&config).await?;
            let key = s.directory.rotate(&institution, s.clock.as_ref()).await?;
            println!("{}", key.kid);
            eprintln!(
                "new signing key for '{institution}'; earlier keys stay in {}",
                s.url(&format!("/issuers/{institution}/did.json"))
            );
            Ok(exit::OK)
        }
        Command::Serve { config } => serve(&config).await,
        Command::Institutions(InstitutionsCommand::Create { slug, institution_id, name, url, did_method, config }) => {
            let s = services(&config).await?;
            let did_method = did_method.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let new = crate::service::institutions::NewInstitution {
                slug,
                institution_id: Some(institution_id),
                name,
                url,
                did_method,
            };
            let row = s.directory.create(new, s.clock.as_ref()).await?;
            println!("{}", s.directory.did_for(&row).await?);
            Ok(exit::OK)
        }
        Command::Institutions(InstitutionsCommand::List { config }) => {
            let s = services(&config).await?;
            for row in s.store.list_institutions().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    row.slug,
                    s.directory.did_for(&row).await?,
                    row.institution_id.as_deref().unwrap_or("(any: demo)"),
                    row.name
                );
            }
            Ok(exit::OK)
        }
        Command::Revoke { target, achievement, from, until } => {
            let selector = match achievement {
                Some(id) => crate::store::Selector::Achievement {
                    id,
                    from: from.map(|d| format!("{d}T00:00:00Z")),
                    until: until.map(|d| format!("{d}T23:59:59Z")),
                },
                None => crate::store::Selector::Ids(target.public_ids.clone()),
            };
            status_change(&target, selector, crate::store::StatusAction::Revoke).await
        }
        Command::Suspend { target } => {
            let selector = crate::store::Selector::Ids(target.public_ids.clone());
            status_change(&target, selector, crate::store::StatusAction::Suspend).await
        }
        Command::Reinstate { target } => {
            let selector = crate::store::Selector::Ids(target.public_ids.clone());
            status_change(&target, selector, crate::store::StatusAction::Reinstate).await
        }
        Command::Audit { institution, limit, config } => {
            let s = services(&config).await?;
            for row in crate::service::status::audit(&s, &institution, limit, 0).await? {
                println!("{}", serde_json::to_string(&row)?);
            }
            Ok(exit::OK)
        }
        Command::Apikeys(ApikeysCommand::Create { institution, admin, label, config }) => {
            let s = services(&config).await?;
            let slug = if admin { None } else { institution.as_deref() };
            let (row, token) = crate::service::apikeys::create(&s, slug, &label).await?;
            println!("{token}");
            eprintln!(
                "API key {} for {}; shown once, only its hash is stored",
                row.id,
                slug.unwrap_or("administration")
            );
            Ok(exit::OK)
        }
        Command::Apikeys(ApikeysCommand::List { institution, config }) => {
            let s = services(&config).await?;
            for k in crate::service::apikeys::list(&s, institution.as_deref()).await? {
                let status = match (&k.revoked_at, &k.revoked_by) {
                    (Some(at), by) => format!("revoked {at} by {}", by.as_deref().unwrap_or("?")),
                    (None, _) => "active".into(),
                };
                println!("{}\t{}\t{}\t{}\t{status}", k.id, k.slug.as_deref().unwrap_or("admin"), k.label, k.created_at);
            }
            Ok(exit::OK)
        }
        Command::Apikeys(ApikeysCommand::Revoke { key_id, institution, reason, config }) => {
            let s = services(&config).await?;
            let row = crate::service::apikeys::revoke(&s, institution.as_deref(), &key_id, "cli", reason).await?;
            println!("{}", row.id);
            eprintln!(
                "API key {} of {} revoked; it is refused from its next request on",
                row.id,
                row.slug.as_deref().unwrap_or("administration")
            );
            Ok(exit::OK)
        }
    }
}

async fn services(config: &ConfigArgs) -> Result<crate::service::Services> {
    let settings = crate::config::load(config.config.as_deref())?;
    crate::telemetry::init(&settings.log);
    Ok(crate::service::Services::start(settings, std::sync::Arc::new(SystemClock)).await?)
}

async fn status_change(
    target: &StatusTarget,
    selector: crate::store::Selector,
    action: crate::store::StatusAction,
) -> Result<u8> {
    if matches!(&selector, crate::store::Selector::Ids(ids) if ids.is_empty()) {
        anyhow::bail!("name at least one credential by its public id");
    }
    if action != crate::store::StatusAction::Reinstate && target.reason.is_none() {
        anyhow::bail!("give a --reason to {}", action.as_str());
    }
    let s = services(&target.config).await?;
    let bulk = !matches!(&selector, crate::store::Selector::Ids(ids) if ids.len() == 1);
    let out =
        crate::service::status::change(&s, &target.institution, selector, action, "cli", target.reason.clone(), bulk)
            .await?;
    eprintln!("{}: {} changed, {} already so", action.as_str(), out.changed.len(), out.unchanged.len());
    for id in out.changed {
        println!("{id}");
    }
    Ok(exit::OK)
}

async fn serve(config: &ConfigArgs) -> Result<u8> {
    let settings = crate::config::load(config.config.as_deref())?;
    crate::telemetry::init(&settings.log);
    let base = settings.base_url().to_owned();
    let app = crate::app::Application::build(settings, std::sync::Arc::new(SystemClock)).await?;
    match app.local_addr() {
        Some(addr) => {
            tracing::info!(address = %addr, base_url = %base, https = app.is_https(), "microcred is listening");
            if app.is_https() && base.starts_with("http:") {
                tracing::warn!(
                    "the service serves HTTPS only but server.base_url {base} starts with http:, so links, DIDs and status lists name an address that does not answer; set MICROCRED_SERVER__BASE_URL to https://…"
                );
            }
            if let Some(why) = crate::config::base_url_mismatch(&base, addr) {
                tracing::warn!("{why}");
            }
        }
        None => tracing::info!(base_url = %base, "microcred is listening"),
    }
    app.run_until_stopped().await?;
    Ok(exit::OK)
}

/// Reads a file (or stdin for `-`) as bytes, with a size limit.
fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    verify::read_all(path, MAX_FILE_BYTES)
}

/// Reads a file (or stdin for `-`) as text, with a size limit.
fn read_input(path: &Path) -> Result<String> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().take(MAX_FILE_BYTES + 1).read_to_string(&mut text).context("cannot read stdin")?;
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        file.take(MAX_FILE_BYTES + 1)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?;
    }
    if text.len() as u64 > MAX_FILE_BYTES {
        anyhow::bail!("{} is larger than {} MiB", path.display(), MAX_FILE_BYTES >> 20);
    }
    Ok(text)
}

fn validate(file: &Path, clock: &dyn Clock) -> Result<u8> {
    let (_, mut records) = crate::batch::read_records(open_input(file)?);
    let mut all_valid = true;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        // The reports written so far go out whenever the next record is not read yet, so
        // records piped in slowly get their reports as they come, not at the end.
        let mut flushed = Ok(());
        let next = records.next_before_waiting(&mut || flushed = out.flush());
        flushed?;
        let Some(rec) = next else { break };
        let rec = rec.map_err(anyhow::Error::msg).with_context(|| format!("reading {}", file.display()))?;
        let rec: serde_json::Value =
            serde_json::from_str(rec.get()).with_context(|| format!("reading {}", file.display()))?;
        let report = match parse_record(&rec, clock) {
            Ok((_, report)) => report,
            Err(report) => report,
        };
        all_valid &= report.valid;
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    }
    out.flush()?;
    Ok(if all_valid { exit::OK } else { exit::INVALID })
}

fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin()));
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Box::new(file))
}

/// Issues a file of records as a stream: records are read one at a time, signed in
/// parallel and written to a private temporary file that becomes the output only when
/// every record was valid (all or nothing), whatever the batch size.
async fn issue_file(
    file: &Path,
    key_path: &Path,
    options: &IssueOptions,
    out: Option<&Path>,
    clock: &dyn Clock,
) -> Result<u8> {
    let key = IssuerKey::load(key_path)?;
    let input = open_input(file)?;
    // An output that exists and is not a regular file (`/dev/null`, a FIFO) is written
    // to at the end, as stdout is: renaming the temporary file onto it would replace it.
    let special = out.filter(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_file()));
    let dir = match out.and_then(Path::parent) {
        _ if special.is_some() => std::env::temp_dir(),
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        Some(_) => PathBuf::from("."),
        None => std::env::temp_dir(),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let report_line = |index: Option<usize>, report: &ValidationReport| {
        let mut line = serde_json::to_value(report).unwrap_or_default();
        if let Some(i) = index {
            line["index"] = i.into();
        }
        line
    };
    let summary = {
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        let summary = crate::batch::issue_all(
            crate::batch::read_records(input),
            &key,
            options,
            clock,
            &mut writer,
            &mut |i, r| eprintln!("{}", report_line(i, r)),
            &mut |i, r| {
                for w in &r.warnings {
                    let at = i.map(|i| format!("record {i}: ")).unwrap_or_default();
                    eprintln!("warning: {at}{} {} at {}: {}", w.rule, w.code, w.path, w.message);
                }
            },
        )
        .map_err(|e| match e {
            // Only input problems are about reading; a key or signing problem says itself.
            e @ crate::batch::BatchError::Input(_) => {
                anyhow::Error::new(e).context(format!("reading {}", file.display()))
            }
            e => anyhow::Error::new(e),
        })?;
        writer.flush()?;
        summary
    };
    if summary.invalid > 0 {
        eprintln!(
            "error: nothing was issued: {} of {} record(s) are invalid; fix the records above (validation reports, one per invalid record)",
            summary.invalid, summary.records
        );
        return Ok(exit::INVALID);
    }
    use std::io::Seek;
    match (out, special) {
        (Some(path), Some(_)) => {
            let mut dest = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let f = tmp.as_file_mut();
            f.rewind()?;
            std::io::copy(f, &mut dest).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("issued {} credential(s) to {}", summary.issued, path.display());
        }
        (Some(path), None) => {
            tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("issued {} credential(s) to {}", summary.issued, path.display());
        }
        (None, _) => {
            let f = tmp.as_file_mut();
            f.rewind()?;
            std::io::copy(f, &mut std::io::stdout().lock())?;
        }
    }
    Ok(exit::OK)
}

/// `verify --trust-list … --trust-anchor …`.
struct TrustArgs {
    lists: Vec<PathBuf>,
    anchors: Vec<String>,
}

async fn trust_list(cmd: TrustListCommand) -> Result<u8> {
    use crate::trust::list;
    match cmd {
        TrustListCommand::Template => {
            println!("{}", serde_json::to_string_pretty(&list::template())?);
            Ok(exit::OK)
        }
        TrustListCommand::Create { entries, key, valid_days, out } => {
            let entries: Vec<list::EntryInput> = serde_json::from_str(&read_input(&entries)?)
                .with_context(|| format!("{} is not a JSON array of trust list entries", entries.display()))?;
            let key =
                IssuerKey::load(&key).with_context(|| format!("cannot use {} as the operator key", key.display()))?;
            let now = Utc::now();
            let doc = list::unsigned(
                key.did(),
                &entries,
                now - chrono::Duration::minutes(5),
                now + chrono::Duration::days(valid_days),
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            let signed = list::sign(&doc, &key, now).await.map_err(|e| anyhow::anyhow!(e))?;
            let text = serde_json::to_string_pretty(&signed)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?
                }
                None => println!("{text}"),
            }
            eprintln!(
                "trust list of {} entries signed by {}: configure this DID as a trust anchor",
                entries.len(),
                key.did()
            );
            Ok(exit::OK)
        }
        TrustListCommand::Verify { file, anchors, now } => {
            let doc: Value =
                serde_json::from_str(&read_input(&file)?).with_context(|| format!("{} is not JSON", file.display()))?;
            let clock: Box<dyn Clock> = match now {
                Some(t) => Box::new(FixedClock(t)),
                None => Box::new(SystemClock),
            };
            match list::verify(&doc, &anchors, &Resolver::new(), clock.as_ref()).await {
                Ok(l) => {
                    for e in &l.entries {
                        println!(
                            "{}",
                            serde_json::json!({"did": e.did, "institution_id": e.institution_id, "name": e.names, "url": e.url, "keys_included": l.documents.iter().any(|d| d.id == e.did)})
                        );
                    }
                    eprintln!("valid trust list {} of {} with {} entries", l.id, l.operator, l.entries.len());
                    Ok(exit::OK)
                }
                Err(e) => {
                    eprintln!("refused: {e}");
                    Ok(exit::INVALID)
                }
            }
        }
    }
}

fn keys_generate(alg: AlgArg, out: &Path, did_web: Option<String>) -> Result<u8> {
    let alg = match alg {
        AlgArg::Ed25519 => KeyAlg::Ed25519,
        AlgArg::Rs256 => KeyAlg::Rs256,
    };
    let mut key = IssuerKey::generate(alg)?;
    if let Some(kid) = did_web {
        if !kid.starts_with("did:web:") || !kid.contains('#') {
            anyhow::bail!(
                "--did-web must be a did:web key URL such as did:web:badges.example.be:issuers:kuleuven#key-1"
            );
        }
        let mut jwk: ssi::JWK = serde_json::from_str(&key.to_private_json())?;
        jwk.key_id = Some(kid);
        key = IssuerKey::from_jwk(jwk)?;
    }
    key.write_private(out)?;
    println!("{}", key.did());
    Ok(exit::OK)
}

fn keys_did_document(paths: &[PathBuf]) -> Result<u8> {
    let mut did: Option<String> = None;
    let mut keys = Vec::new();
    for path in paths {
        let jwk: ssi::JWK =
            serde_json::from_str(&read_input(path)?).with_context(|| format!("{} is not a JWK", path.display()))?;
        let kid = jwk
            .key_id
            .clone()
            .filter(|k| k.starts_with("did:web:"))
            .with_context(|| format!("{}: the JWK's kid must be a did:web key URL", path.display()))?;
        let (d, _) = kid.split_once('#').with_context(|| format!("{}: kid has no #fragment", path.display()))?;
        if did.as_deref().is_some_and(|x| x != d) {
            anyhow::bail!("all keys must belong to the same DID");
        }
        did = Some(d.to_owned());
        keys.push((kid, jwk.to_public()));
    }
    let did = did.context("no key given")?;
    println!("{}", serde_json::to_string_pretty(&did_document(&did, &keys))?);
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
