//! Operator commands: partner organisations and their API keys.

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{OrganisationKind, Role, Visibility};
use sea_orm::{DatabaseConnection, Iterable};
use uuid::Uuid;

use crate::config::{KeyCommand, OrgCommand, Settings};
use crate::error::AppError;
use crate::graphql::ids::{GlobalId, NodeType};
use crate::service::organisations::{self, NewOrganisation};
use crate::service::{auth, reference_data};
use crate::{app, db};

/// A value of a text enum, by its name in any case.
fn parse_enum<T: Iterable + Copy>(what: &str, text: &str, name: impl Fn(T) -> &'static str) -> anyhow::Result<T> {
    T::iter().find(|value| name(*value).eq_ignore_ascii_case(text.trim())).ok_or_else(|| {
        let names: Vec<&str> = T::iter().map(name).collect();
        anyhow!("{what} must be one of {}; got \"{text}\"", names.join(", "))
    })
}

/// An organisation id as printed by `org create` (a global id) or a UUID.
fn organisation_id(text: &str) -> anyhow::Result<Uuid> {
    if let Ok(uuid) = Uuid::parse_str(text) {
        return Ok(uuid);
    }
    GlobalId::decode_uuid_of("org", text, NodeType::Organisation)
        .map_err(|_| anyhow!("\"{text}\" is not an organisation id: use the id `rights-graph org create` printed"))
}

/// An expiry given as a date (the start of that day, UTC) or an RFC 3339 time.
fn expiry(text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| anyhow!("--expires must be a date such as 2027-01-31 or an RFC 3339 time; got \"{text}\""))?;
    Ok(date.and_hms_opt(0, 0, 0).context("midnight exists")?.and_utc())
}

/// Turns a service error into an operator's message.
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::BadInput { argument, message } => anyhow!("--{argument}: {message}"),
        AppError::NotFound(message)
        | AppError::Unauthenticated(message)
        | AppError::Forbidden(message)
        | AppError::Conflict(message) => anyhow!(message),
        AppError::Internal(cause) => cause,
    }
}

async fn open(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let (db, _) = db::connect(settings).await?;
    app::migrate(&db).await?;
    reference_data::load(&db).await.context("could not load the ISO 3166 reference lists")?;
    Ok(db)
}

/// `rights-graph org ...`
pub async fn organisation(settings: &Settings, command: OrgCommand) -> anyhow::Result<()> {
    match command {
        OrgCommand::Create { name, kind, country, website, visibility } => {
            let kind = parse_enum("--kind", &kind, OrganisationKind::as_str)?;
            let visibility = parse_enum("--visibility", &visibility, Visibility::as_str)?;
            let db = open(settings).await?;
            let created = organisations::create(&db, NewOrganisation { name, kind, country, website, visibility })
                .await
                .map_err(explain)?;
            println!("{}", GlobalId::encode_uuid(NodeType::Organisation, created.id).0);
        }
    }
    Ok(())
}

/// `rights-graph key ...`
pub async fn key(settings: &Settings, command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create { org, role, label, expires } => {
            let organisation = organisation_id(&org)?;
            let role = parse_enum("--role", &role, Role::as_str)?;
            let expires_at = expires.as_deref().map(expiry).transpose()?;
            let db = open(settings).await?;
            let (record, key) = auth::create_key(&db, organisation, role, label, expires_at).await.map_err(explain)?;
            eprintln!(
                "Created {} key {} (prefix {}). It is shown only now: store it safely.",
                record.role, record.id, record.prefix
            );
            println!("{key}");
        }
        KeyCommand::List { org } => {
            let organisation = organisation_id(&org)?;
            let db = open(settings).await?;
            let keys = auth::list_keys(&db, organisation).await.map_err(explain)?;
            println!(
                "{:<38} {:<13} {:<7} {:<21} {:<21} {:<21} LABEL",
                "ID", "PREFIX", "ROLE", "CREATED", "EXPIRES", "LAST USED"
            );
            let time =
                |t: Option<DateTime<Utc>>| t.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
            for key in keys {
                let role = if key.revoked_at.is_some() { "REVOKED" } else { key.role.as_str() };
                println!(
                    "{:<38} {:<13} {:<7} {:<21} {:<21} {:<21} {}",
                    key.id,
                    key.prefix,
                    role,
                    time(Some(key.created_at)),
                    time(key.expires_at),
                    time(key.last_used_at),
                    key.label.unwrap_or_default()
                );
            }
        }
        KeyCommand::Revoke { key } => {
            if key.trim().is_empty() {
                bail!("give the key's id or prefix");
            }
            let db = open(settings).await?;
            let revoked = auth::revoke_key(&db, key.trim()).await.map_err(explain)?;
            eprintln!("Revoked key {} (prefix {}).", revoked.id, revoked.prefix);
        }
    }
    Ok(())
}
