//! Per-request state: the database, the viewer and the batch loaders. Loaders
//! are made anew for each request so that nothing cached outlives it or
//! crosses from one viewer to another.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::futures_util::future::BoxFuture;
use async_graphql::{Context, Result};
use entity::{Right, Sector, country, defender_name, defender_restriction, subdivision};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::service::duplicates::merges;

use crate::error::{AppError, AppResult};
use crate::graphql::runtime::batch::{Batcher, Found, Loader};
use crate::service::places::{self, CountryTable};
use crate::service::query::listing::{self, Listing, ModelOf};
use crate::service::query::pagination::{Page, PageArgs, PageRequest, ParentKey};
use crate::service::query::records::{RecordEntity, visible_by_id};
use crate::service::{Viewer, defenders, restrictions};

/// State shared by all resolvers of one request.
#[derive(Clone)]
pub struct RequestContext {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub loader: Arc<Batcher<Repo>>,
    /// The languages the request prefers (its `Accept-Language`), best first.
    pub languages: Arc<[String]>,
}

/// Computes a connection's `totalCount` when, and only when, it is asked for.
pub type TotalCount = Arc<dyn Fn() -> BoxFuture<'static, Result<u64>> + Send + Sync>;

impl RequestContext {
    /// A context whose batched loads are reported to `observer`.
    pub fn observed(
        db: DatabaseConnection,
        viewer: Viewer,
        countries: CountryTable,
        observer: crate::graphql::runtime::batch::BatchObserver,
    ) -> Self {
        let repo = Repo { db: db.clone(), viewer: viewer.clone(), countries };
        RequestContext {
            db,
            viewer,
            loader: Arc::new(Batcher::new(repo).observed_by(observer)),
            languages: Arc::from(Vec::new()),
        }
    }

    /// This context, preferring `languages` (best first).
    pub fn preferring(mut self, languages: Vec<String>) -> Self {
        self.languages = Arc::from(languages);
        self
    }

    /// The context of the request being resolved.
    pub fn of<'a>(ctx: &Context<'a>) -> &'a RequestContext {
        // The HTTP layer attaches a RequestContext to every request it executes.
        ctx.data_unchecked::<RequestContext>()
    }

    /// A page of a top-level listing, with its lazily counted total.
    pub async fn list<L: Listing>(
        &self,
        filter: L::Filter,
        order: L::Order,
        args: PageArgs,
    ) -> Result<(Page<ModelOf<L>>, TotalCount)> {
        let page = PageRequest::new(&args, || L::spec(order))?;
        let page = listing::list::<L, _>(&self.db, &self.viewer, &filter, order, &page).await?;
        let (db, viewer) = (self.db.clone(), self.viewer.clone());
        let total: TotalCount = Arc::new(move || {
            let (db, viewer, filter) = (db.clone(), viewer.clone(), filter.clone());
            Box::pin(async move { Ok(listing::count::<L, _>(&db, &viewer, &filter).await?) })
        });
        Ok((page, total))
    }

    /// A page of a listing under one parent, batched with the same listing
    /// under the request's other parents.
    ///
    /// Boxed: the key and the wait for its batch make a future of about a
    /// kilobyte, and async-graphql allocates and moves, for every field of an
    /// object, a future as large as that object's largest field resolver.
    /// Boxing here keeps the futures of plain fields such as `name` small.
    pub fn list_under<L: Listing>(
        &self,
        via: L::Via,
        parent: impl Into<ParentKey>,
        filter: L::Filter,
        order: L::Order,
        args: PageArgs,
    ) -> BoxFuture<'_, Result<(Page<ModelOf<L>>, TotalCount)>>
    where
        ModelOf<L>: Clone,
    {
        let parent = parent.into();
        Box::pin(self.page_under::<L>(via, parent, filter, order, args))
    }

    async fn page_under<L: Listing>(
        &self,
        via: L::Via,
        parent: ParentKey,
        filter: L::Filter,
        order: L::Order,
        args: PageArgs,
    ) -> Result<(Page<ModelOf<L>>, TotalCount)>
    where
        ModelOf<L>: Clone,
    {
        let page = PageRequest::new(&args, || L::spec(order))?;
        let key = PageKey::<L> {
            shape: Prehashed::new(PageShape { via, filter: filter.clone(), order, page }),
            parent: parent.clone(),
        };
        let page = self.loader.load_unkept(key).await?.unwrap_or_else(Page::empty);
        let loader = self.loader.clone();
        let total: TotalCount = Arc::new(move || {
            let key = CountKey::<L> { via, parent: parent.clone(), filter: filter.clone() };
            let loader = loader.clone();
            Box::pin(async move { Ok(loader.load_one(key).await?.unwrap_or(0)) })
        });
        Ok((page, total))
    }

    /// A record by id, if the viewer may see it.
    pub async fn record<E>(&self, id: Uuid) -> Result<Option<E::Model>>
    where
        E: RecordEntity + sea_orm::IdenStatic + Send + Sync + 'static,
        E::Model: Clone + Send + Sync,
    {
        self.loader.load_one(ById::<E>::new(id)).await
    }

    /// Several records by id, if the viewer may see them, in the given order.
    pub async fn records<E>(&self, ids: &[Uuid]) -> Result<Vec<Option<E::Model>>>
    where
        E: RecordEntity + sea_orm::IdenStatic + Send + Sync + 'static,
        E::Model: Clone + Send + Sync,
    {
        let found = self.loader.load_many(ids.iter().copied().map(ById::<E>::new)).await?;
        Ok(ids.iter().map(|id| found.get(&ById::<E>::new(*id)).cloned()).collect())
    }
}

/// The batch loader behind every relationship of a request.
pub struct Repo {
    db: DatabaseConnection,
    viewer: Viewer,
    countries: CountryTable,
}

fn to_graphql(error: AppError) -> async_graphql::Error {
    error.into()
}

/// A page of listing `L` under one parent.
pub struct PageKey<L: Listing> {
    pub shape: Prehashed<PageShape<L>>,
    pub parent: ParentKey,
}

/// What a nested page asks for besides its parent: the same for every parent
/// of one connection field.
pub struct PageShape<L: Listing> {
    pub via: L::Via,
    pub filter: L::Filter,
    pub order: L::Order,
    pub page: PageRequest,
}

/// A value shared by reference and hashed once. A batch key is hashed at
/// every step (queued, in flight, grouped, answered) and copied to several
/// maps; a page key's shape (filter, order and page, with their lists) is
/// the same for all of a connection's parents, and hashing and copying it
/// each time cost more than the rest of the key.
pub struct Prehashed<T> {
    hash: u64,
    value: Arc<T>,
}

impl<T: Hash> Prehashed<T> {
    pub fn new(value: T) -> Self {
        // One fixed state, so that equal values hash alike in every key.
        let hash = std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::default(), &value);
        Prehashed { hash, value: Arc::new(value) }
    }
}

impl<T> std::ops::Deref for Prehashed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Clone for Prehashed<T> {
    fn clone(&self) -> Self {
        Prehashed { hash: self.hash, value: self.value.clone() }
    }
}

impl<T: PartialEq> PartialEq for Prehashed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && (Arc::ptr_eq(&self.value, &other.value) || self.value == other.value)
    }
}

impl<T: Eq> Eq for Prehashed<T> {}

impl<T> Hash for Prehashed<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The size of listing `L` under one parent.
pub struct CountKey<L: Listing> {
    pub via: L::Via,
    pub parent: ParentKey,
    pub filter: L::Filter,
}

/// A shared record by id.
pub struct ById<E>(pub Uuid, std::marker::PhantomData<fn() -> E>);

impl<E> ById<E> {
    pub fn new(id: Uuid) -> Self {
        ById(id, std::marker::PhantomData)
    }
}

// Keys compare by their data alone; the listing and entity types are markers,
// so these are written out rather than derived (derive would demand the
// marker types implement the traits too).
macro_rules! key_traits {
    ($name:ident < $param:ident : $bound:path > { $($field:ident),+ }) => {
        impl<$param: $bound> Clone for $name<$param> {
            fn clone(&self) -> Self {
                $name { $($field: self.$field.clone()),+ }
            }
        }
        impl<$param: $bound> PartialEq for $name<$param> {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)+
            }
        }
        impl<$param: $bound> Eq for $name<$param> {}
        impl<$param: $bound> Hash for $name<$param> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}

key_traits!(PageKey<L: Listing> { shape, parent });
key_traits!(PageShape<L: Listing> { via, filter, order, page });
key_traits!(CountKey<L: Listing> { via, parent, filter });

impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        ById::new(self.0)
    }
}
impl<E> PartialEq for ById<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for ById<E> {}
impl<E> Hash for ById<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// Groups keys that differ only in their parent, so that each group is one
/// statement.
fn group_by<'k, K, G: Eq + Hash>(keys: &'k [K], group: impl Fn(&'k K) -> G) -> Found<G, Vec<&'k K>> {
    let mut groups: Found<G, Vec<&K>> = Found::default();
    for key in keys {
        groups.entry(group(key)).or_default().push(key);
    }
    groups
}

/// An empty answer with room for `keys`.
fn found_for<K, V>(keys: &[K]) -> Found<K, V> {
    Found::with_capacity_and_hasher(keys.len(), Default::default())
}

impl<L: Listing> Loader<PageKey<L>> for Repo
where
    ModelOf<L>: Clone,
{
    type Value = Page<ModelOf<L>>;

    async fn load(&self, keys: &[PageKey<L>]) -> Result<Found<PageKey<L>, Self::Value>> {
        let mut result = found_for(keys);
        for (shape, group) in group_by(keys, |k| &k.shape) {
            let parents: Vec<ParentKey> = group.iter().map(|k| k.parent.clone()).collect();
            let PageShape { via, filter, order, page } = &**shape;
            let mut pages = listing::list_under::<L, _>(&self.db, &self.viewer, *via, &parents, filter, *order, page)
                .await
                .map_err(to_graphql)?;
            // Within a group the keys differ in their parent only: each page
            // belongs to one key and can be moved, not copied.
            for key in group {
                if let Some(found) = pages.remove(&key.parent) {
                    result.insert(key.clone(), found);
                }
            }
        }
        Ok(result)
    }
}

impl<L: Listing> Loader<CountKey<L>> for Repo {
    type Value = u64;

    async fn load(&self, keys: &[CountKey<L>]) -> Result<Found<CountKey<L>, u64>> {
        let mut result = found_for(keys);
        for ((via, filter), group) in group_by(keys, |k| (k.via, &k.filter)) {
            let parents: Vec<ParentKey> = group.iter().map(|k| k.parent.clone()).collect();
            let counts = listing::count_under::<L, _>(&self.db, &self.viewer, via, &parents, filter)
                .await
                .map_err(to_graphql)?;
            for key in group {
                result.insert(key.clone(), counts.get(&key.parent).copied().unwrap_or(0));
            }
        }
        Ok(result)
    }
}

impl<E> Loader<ById<E>> for Repo
where
    E: RecordEntity + sea_orm::IdenStatic + Send + Sync + 'static,
    E::Model: Clone + Send + Sync,
{
    type Value = E::Model;

    async fn load(&self, keys: &[ById<E>]) -> Result<Found<ById<E>, E::Model>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut found = visible_by_id::<E, _>(&self.db, &self.viewer, &ids).await.map_err(to_graphql)?;
        // The id of a record absorbed by a merge resolves to its survivor.
        let missing: Vec<Uuid> = ids.iter().copied().filter(|id| !found.contains_key(id)).collect();
        if let Some(kind) = E::MERGEABLE.filter(|_| !missing.is_empty()) {
            let survivors = merges::survivors(&self.db, kind, &missing).await.map_err(to_graphql)?;
            if !survivors.is_empty() {
                let targets: Vec<Uuid> = survivors.values().copied().collect();
                let visible = visible_by_id::<E, _>(&self.db, &self.viewer, &targets).await.map_err(to_graphql)?;
                for (absorbed, survivor) in survivors {
                    if let Some(model) = visible.get(&survivor) {
                        found.insert(absorbed, model.clone());
                    }
                }
            }
        }
        Ok(found.into_iter().map(|(id, model)| (ById::new(id), model)).collect())
    }
}

/// Declares a loader keyed by a newtype over an id or code, backed by a
/// service function that answers for many keys at once.
macro_rules! keyed_loader {
    ($(#[$doc:meta])* $key:ident($inner:ty) => $value:ty, |$repo:ident, $ids:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub $inner);

        impl Loader<$key> for Repo {
            type Value = $value;

            async fn load(&self, keys: &[$key]) -> Result<Found<$key, $value>> {
                let $repo = self;
                let $ids: Vec<$inner> = keys.iter().map(|k| k.0.clone()).collect();
                let found: HashMap<$inner, $value> = $body.await.map_err(to_graphql)?;
                Ok(found.into_iter().map(|(id, value)| ($key(id), value)).collect())
            }
        }
    };
}

keyed_loader!(
    /// A country by ISO 3166-1 alpha-2 code.
    CountryByCode(String) => country::Model,
    |repo, codes| std::future::ready(AppResult::Ok(repo.countries.by_code(&codes)))
);
keyed_loader!(
    /// A subdivision by ISO 3166-2 code.
    SubdivisionByCode(String) => subdivision::Model,
    |repo, codes| places::subdivisions_by_code(&repo.db, &codes)
);
keyed_loader!(
    /// A case event by id, if the viewer may see its defender.
    CaseEventById(Uuid) => entity::case_event::Model,
    |repo, ids| defenders::case_events_by_id(&repo.db, &repo.viewer, &ids)
);
keyed_loader!(
    /// An indicator by id, if the viewer may see it.
    IndicatorById(Uuid) => entity::indicator::Model,
    |repo, ids| crate::service::indicators::by_id(&repo.db, &repo.viewer, &ids)
);
keyed_loader!(
    /// The current civic-space rating of a country: the latest the viewer may see.
    CurrentRatingOf(String) => entity::country_rating::Model,
    |repo, codes| crate::service::ratings::current(&repo.db, &repo.viewer, &codes)
);
keyed_loader!(
    /// The other names of a defender.
    OtherNamesOf(Uuid) => Vec<defender_name::Model>,
    |repo, ids| defenders::other_names(&repo.db, &ids)
);
keyed_loader!(
    /// The sectors of a defender.
    SectorsOf(Uuid) => Vec<Sector>,
    |repo, ids| defenders::sectors(&repo.db, &ids)
);
keyed_loader!(
    /// The rights a restriction curbs.
    RightsOf(Uuid) => Vec<Right>,
    |repo, ids| restrictions::rights(&repo.db, &ids)
);
keyed_loader!(
    /// How a defender and a restriction are linked: (defender, restriction).
    LinkOf((Uuid, Uuid)) => defender_restriction::Model,
    |repo, pairs| restrictions::links(&repo.db, &pairs)
);
keyed_loader!(
    /// Where a record's facts stand in a source it cites: (record, source).
    LocatorsOf((Uuid, Uuid)) => Vec<String>,
    |repo, pairs| crate::service::sources::locators(&repo.db, &pairs)
);
keyed_loader!(
    /// The defenders merged into a defender.
    MergedDefendersOf(Uuid) => Vec<Uuid>,
    |repo, ids| crate::service::duplicates::merges::merged_ids(&repo.db, crate::service::duplicates::Mergeable::Defender, &ids)
);
keyed_loader!(
    /// The organisations merged into an organisation.
    MergedOrganisationsOf(Uuid) => Vec<Uuid>,
    |repo, ids| crate::service::duplicates::merges::merged_ids(&repo.db, crate::service::duplicates::Mergeable::Organisation, &ids)
);
keyed_loader!(
    /// Whether the viewer holds confidential access to a record of any kind.
    ConfidentialAccessTo((crate::service::audit::Audited, Uuid)) => bool,
    |repo, records| crate::service::sharing::confidential_access(&repo.db, &repo.viewer, &records)
);
keyed_loader!(
    /// Whether the viewer may see a defender's confidential fields.
    ConfidentialAccessOf(Uuid) => bool,
    |repo, ids| crate::service::defenders::edits::confidential_access(&repo.db, &repo.viewer, &ids)
);
keyed_loader!(
    /// An affiliation by id, if the viewer may see its defender and organisation.
    AffiliationById(Uuid) => entity::affiliation::Model,
    |repo, ids| defenders::affiliations_by_id(&repo.db, &repo.viewer, &ids)
);
keyed_loader!(
    /// The live count of an indicator's measure, year and country.
    LiveCountOf(crate::service::statistics::LiveKey) => i64,
    |repo, keys| crate::service::statistics::live_counts(&repo.db, &repo.viewer, &keys)
);
keyed_loader!(
    /// The statements of a record, as the viewer may see them.
    StatementsOf((crate::service::audit::Audited, Uuid)) => Vec<entity::statement::Model>,
    |repo, records| crate::service::statements::of_records(&repo.db, &repo.viewer, &records)
);
keyed_loader!(
    /// A record as it stood at a moment: (kind, id, moment). Asked only for
    /// records the viewer may see now.
    PastOf((crate::service::audit::Audited, Uuid, chrono::DateTime<chrono::Utc>)) => crate::service::as_of::Past,
    |repo, records| crate::service::as_of::pasts(&repo.db, &records)
);
keyed_loader!(
    /// How merges bear on a defender read as of a moment: (defender,
    /// moment). Asked only for defenders the viewer may see now.
    MergesThenOf((Uuid, chrono::DateTime<chrono::Utc>)) => crate::service::duplicates::merges::MergesThen,
    |repo, keys| crate::service::duplicates::merges::merges_then(&repo.db, crate::service::duplicates::Mergeable::Defender, &keys)
);
