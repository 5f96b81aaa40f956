//! News of commits for one server process: the last committed sequence, for
//! subscriptions and webhook deliveries to wait on, and the API keys of open
//! WebSocket connections, so that a revoked key ends them.
//!
//! On PostgreSQL each commit that writes changes sends `NOTIFY` on
//! [`CHANNEL`] with its last sequence, so a write on any instance reaches the
//! subscribers of every instance at once. The head is also read every
//! `poll` interval: that recovers notifications missed while the listening
//! connection was re-established. On SQLite, which one server process
//! serves, the head is read every `poll` interval, which also sees what the
//! command line writes (imports) into the same file.
//!
//! Subscribers are not sent changes from here: they read them from the
//! database, each as its viewer may see them, and each at its own pace, so
//! that a slow subscriber holds no queue in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::Utc;
use entity::api_key;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::watch;
use uuid::Uuid;

use super::feed::{CHANNEL, head};

/// How often a process reads the head and checks the keys of open connections.
#[derive(Clone, Copy, Debug)]
pub struct HubTiming {
    /// Reading the head: the latency on SQLite, the recovery time on PostgreSQL.
    pub poll: Duration,
    /// Checking that the keys of open connections are still valid.
    pub key_check: Duration,
}

impl HubTiming {
    /// The defaults for an engine: PostgreSQL is told of commits and only
    /// recovers by polling; SQLite polls.
    pub fn for_backend(backend: DatabaseBackend) -> HubTiming {
        let poll = match backend {
            DatabaseBackend::Postgres => Duration::from_secs(1),
            _ => Duration::from_millis(100),
        };
        HubTiming { poll, key_check: Duration::from_secs(1) }
    }
}

/// The process's view of the change sequence and of open connections' keys.
pub struct ChangeHub {
    head: watch::Sender<i64>,
    keys: Mutex<HashMap<Uuid, WatchedKey>>,
}

struct WatchedKey {
    connections: usize,
    revoked: watch::Sender<bool>,
}

/// An open connection's hold on its API key: counted while it lives, and
/// told when the key stops being valid.
pub struct KeyWatch {
    hub: Arc<ChangeHub>,
    key: Uuid,
    revoked: watch::Receiver<bool>,
}

impl KeyWatch {
    /// Returns once the key is revoked, has expired or is gone.
    pub async fn revoked(&mut self) {
        // The sender lives in the hub while this watch is registered.
        let _ = self.revoked.wait_for(|revoked| *revoked).await;
    }
}

impl Drop for KeyWatch {
    fn drop(&mut self) {
        let mut keys = self.hub.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(watched) = keys.get_mut(&self.key) {
            watched.connections -= 1;
            if watched.connections == 0 {
                keys.remove(&self.key);
            }
        }
    }
}

impl ChangeHub {
    /// A hub for `db`, with its watching task started. The task ends when
    /// the hub is dropped.
    /// The head is read at once (the first poll), so waiting starts from it.
    pub fn start(db: DatabaseConnection, timing: HubTiming) -> Arc<ChangeHub> {
        let hub = Arc::new(ChangeHub { head: watch::channel(0).0, keys: Mutex::new(HashMap::new()) });
        tokio::spawn(watch_commits(Arc::downgrade(&hub), db, timing));
        hub
    }

    /// The last committed sequence this process knows of; changes as commits arrive.
    pub fn head(&self) -> watch::Receiver<i64> {
        self.head.subscribe()
    }

    /// Raises the head to `sequence`, waking what waits on it.
    fn advance(&self, sequence: i64) {
        self.head.send_if_modified(|head| {
            let newer = sequence > *head;
            if newer {
                *head = sequence;
            }
            newer
        });
    }

    /// Registers a connection made with `key`, unless `max` connections
    /// with it are open in this process already.
    pub fn watch_key(self: &Arc<Self>, key: Uuid, max: usize) -> Option<KeyWatch> {
        let mut keys = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let watched =
            keys.entry(key).or_insert_with(|| WatchedKey { connections: 0, revoked: watch::channel(false).0 });
        if watched.connections >= max {
            return None;
        }
        watched.connections += 1;
        Some(KeyWatch { hub: self.clone(), key, revoked: watched.revoked.subscribe() })
    }

    fn watched_keys(&self) -> Vec<Uuid> {
        self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).keys().copied().collect()
    }

    fn revoke(&self, key: Uuid) {
        if let Some(watched) = self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&key) {
            watched.revoked.send_replace(true);
        }
    }
}

/// Follows commits and key validity until the hub is dropped.
async fn watch_commits(hub: Weak<ChangeHub>, db: DatabaseConnection, timing: HubTiming) {
    let mut listener = match db.get_database_backend() {
        DatabaseBackend::Postgres => listen(&db).await,
        _ => None,
    };
    let mut poll = tokio::time::interval(timing.poll);
    let mut key_check = tokio::time::interval(timing.key_check);
    loop {
        let notified = async {
            match listener.as_mut() {
                Some(listener) => listener.try_recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            notification = notified => {
                let Some(hub) = hub.upgrade() else { return };
                match notification {
                    Ok(Some(notification)) => {
                        if let Ok(sequence) = notification.payload().parse::<i64>() {
                            hub.advance(sequence);
                        }
                    }
                    // The connection was lost; the listener connects again on
                    // the next call. Read the head for what was missed.
                    Ok(None) => read_head(&hub, &db).await,
                    Err(error) => {
                        tracing::warn!(%error, "listening for change notifications failed; polling meanwhile");
                        listener = None;
                    }
                }
            }
            _ = poll.tick() => {
                let Some(hub) = hub.upgrade() else { return };
                read_head(&hub, &db).await;
                if listener.is_none() && db.get_database_backend() == DatabaseBackend::Postgres {
                    listener = listen(&db).await;
                }
            }
            _ = key_check.tick() => {
                let Some(hub) = hub.upgrade() else { return };
                check_keys(&hub, &db).await;
            }
        }
    }
}

async fn listen(db: &DatabaseConnection) -> Option<sea_orm::sqlx::postgres::PgListener> {
    let connect = async {
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(db.get_postgres_connection_pool()).await?;
        listener.listen(CHANNEL).await?;
        Ok::<_, sea_orm::sqlx::Error>(listener)
    };
    match connect.await {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::warn!(%error, "cannot listen for change notifications; polling meanwhile");
            None
        }
    }
}

async fn read_head(hub: &ChangeHub, db: &DatabaseConnection) {
    match head(db).await {
        Ok(sequence) => hub.advance(sequence),
        Err(error) => {
            let error: async_graphql::Error = error.into();
            tracing::debug!(error = %error.message, "could not read the change feed's head");
        }
    }
}

/// Ends the connections of keys revoked, expired or deleted since they connected.
async fn check_keys(hub: &ChangeHub, db: &DatabaseConnection) {
    let watched = hub.watched_keys();
    if watched.is_empty() {
        return;
    }
    let now = Utc::now();
    let valid: Result<Vec<Uuid>, _> = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::Id)
        .filter(api_key::Column::Id.is_in(watched.clone()))
        .filter(api_key::Column::RevokedAt.is_null())
        .filter(api_key::Column::ExpiresAt.is_null().or(api_key::Column::ExpiresAt.gt(now)))
        .into_tuple()
        .all(db)
        .await;
    // An unreachable database ends nothing: the next check decides.
    let Ok(valid) = valid else { return };
    for key in watched.into_iter().filter(|key| !valid.contains(key)) {
        hub.revoke(key);
    }
}
