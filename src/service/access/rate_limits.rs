//! Rate limits: each client has a budget of points per fixed window (an
//! hour by default); each query costs points by its size. API keys have one
//! budget each; anonymous clients one per address (per /64 for IPv6, which a
//! single host usually holds whole).
//!
//! Budgets live in this process (`memory`: each instance behind a load
//! balancer counts on its own) or in the database (`database`: one atomic
//! upsert per request, shared by every instance on that database).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::config::{RateLimitStore, Settings};
use crate::error::{AppError, AppResult};

const TABLE: &str = "rate_limit_window";

/// Who is charged for a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    /// An API key, by its id.
    Key(Uuid),
    /// An anonymous client, by address.
    Address(IpAddr),
}

impl Client {
    /// The budget's name. IPv6 addresses share their /64.
    fn bucket(&self) -> String {
        match self {
            Client::Key(id) => format!("key:{id}"),
            Client::Address(IpAddr::V4(address)) => format!("ip:{address}"),
            Client::Address(IpAddr::V6(address)) => match address.to_ipv4_mapped() {
                Some(v4) => format!("ip:{v4}"),
                None => {
                    let segments = address.segments();
                    format!("ip:{:x}:{:x}:{:x}:{:x}::/64", segments[0], segments[1], segments[2], segments[3])
                }
            },
        }
    }

    /// `anonymous` or `authenticated`, for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Client::Key(_) => "authenticated",
            Client::Address(_) => "anonymous",
        }
    }
}

/// The state of a client's budget after a charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// Points per window.
    pub limit: u64,
    /// Points spent in this window, this request included if it was allowed.
    pub used: u64,
    /// What this request cost (or would have).
    pub cost: u64,
    /// When the window ends and the budget is whole again.
    pub reset_at: DateTime<Utc>,
    /// The window's length.
    pub window_seconds: u64,
    /// Whether the request may run.
    pub allowed: bool,
}

impl Charge {
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// Seconds until the budget is whole again, rounded up, at least 1.
    pub fn reset_in_seconds(&self, now: DateTime<Utc>) -> u64 {
        let milliseconds = (self.reset_at - now).num_milliseconds();
        Ord::max((milliseconds + 999) / 1_000, 1) as u64
    }
}

/// Budgets in this process: points spent per client in the current window.
#[derive(Default)]
struct Windows {
    spent: HashMap<String, (i64, u64)>,
    /// The window in which ended windows were last forgotten.
    pruned: i64,
}

enum Store {
    Memory(Mutex<Windows>),
    Database(DatabaseConnection),
}

/// The budgets of every client.
pub struct RateLimiter {
    window_seconds: i64,
    anonymous: u64,
    authenticated: u64,
    store: Store,
}

impl RateLimiter {
    pub fn new(settings: &Settings, db: DatabaseConnection) -> Self {
        let store = match settings.rate_limits.rate_limit_store {
            RateLimitStore::Memory => Store::Memory(Mutex::new(Windows::default())),
            RateLimitStore::Database => Store::Database(db),
        };
        RateLimiter {
            window_seconds: settings.rate_limits.rate_limit_window as i64,
            anonymous: settings.rate_limits.rate_limit_anonymous,
            authenticated: settings.rate_limits.rate_limit_authenticated,
            store,
        }
    }

    fn limit_for(&self, client: &Client) -> u64 {
        match client {
            Client::Key(_) => self.authenticated,
            Client::Address(_) => self.anonymous,
        }
    }

    /// Charges `cost` points to the client if its budget has them. `None`
    /// when the client has no limit.
    pub async fn charge(&self, client: &Client, cost: u64) -> AppResult<Option<Charge>> {
        let limit = self.limit_for(client);
        if limit == 0 {
            return Ok(None);
        }
        let now = Utc::now();
        let window_start = now.timestamp() - now.timestamp().rem_euclid(self.window_seconds);
        let reset_at = DateTime::from_timestamp(window_start + self.window_seconds, 0)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("rate-limit window out of range")))?;
        let bucket = client.bucket();
        let (used, allowed) = match &self.store {
            Store::Memory(windows) => {
                let mut windows = windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if windows.pruned != window_start {
                    // Once per window: clients of ended windows are forgotten.
                    windows.spent.retain(|_, (start, _)| *start == window_start);
                    windows.pruned = window_start;
                }
                let entry = windows.spent.entry(bucket).or_insert((window_start, 0));
                if entry.0 != window_start {
                    *entry = (window_start, 0);
                }
                let allowed = entry.1 + cost <= limit;
                if allowed {
                    entry.1 += cost;
                }
                (entry.1, allowed)
            }
            Store::Database(db) => charge_in_database(db, &bucket, window_start, cost, limit).await?,
        };
        Ok(Some(Charge { limit, used, cost, reset_at, window_seconds: self.window_seconds as u64, allowed }))
    }

    /// Deletes the database windows that have ended. The memory store prunes itself.
    pub async fn forget_ended_windows(&self) -> AppResult<()> {
        if let Store::Database(db) = &self.store {
            let now = Utc::now().timestamp();
            let current = now - now.rem_euclid(self.window_seconds);
            let delete = Query::delete()
                .from_table(Alias::new(TABLE))
                .and_where(Expr::col(Alias::new("window_start")).lt(current))
                .to_owned();
            db.execute(&delete).await?;
        }
        Ok(())
    }

    /// Seconds between clean-ups of ended windows.
    pub fn window_seconds(&self) -> u64 {
        self.window_seconds as u64
    }
}

/// One atomic upsert: adds the cost unless it would pass the limit, and
/// returns the new total. When it would, nothing changes and a second
/// statement reads what was spent.
async fn charge_in_database(
    db: &DatabaseConnection,
    bucket: &str,
    window_start: i64,
    cost: u64,
    limit: u64,
) -> AppResult<(u64, bool)> {
    let used = Alias::new("used");
    let spent = Expr::col((Alias::new(TABLE), used.clone()));
    if cost <= limit {
        let upsert = Query::insert()
            .into_table(Alias::new(TABLE))
            .columns([Alias::new("bucket"), Alias::new("window_start"), used.clone()])
            .values([bucket.into(), window_start.into(), (cost as i64).into()])
            .map_err(|error| AppError::Internal(error.into()))?
            .on_conflict(
                OnConflict::columns([Alias::new("bucket"), Alias::new("window_start")])
                    .value(used.clone(), spent.clone().add(cost as i64))
                    .action_and_where(spent.add(cost as i64).lte(limit as i64))
                    .to_owned(),
            )
            .returning_col(used.clone())
            .to_owned();
        if let Some(row) = db.query_one(&upsert).await? {
            let total: i64 = row.try_get("", "used")?;
            return Ok((total as u64, true));
        }
    }
    let select = Query::select()
        .column(used)
        .from(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("bucket")).eq(bucket))
        .and_where(Expr::col(Alias::new("window_start")).eq(window_start))
        .to_owned();
    let total: i64 = match db.query_one(&select).await? {
        Some(row) => row.try_get("", "used")?,
        None => 0,
    };
    Ok((total as u64, false))
}
