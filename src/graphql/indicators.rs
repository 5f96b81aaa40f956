//! `Indicator`: published figures.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{IndicatorQualifier, indicator};

use crate::error::{AppError, AppResult};
use crate::graphql::common::connection::{connection, page_args};
use crate::graphql::common::context::{LiveCountOf, RequestContext};
use crate::graphql::places::{Country, country_by_code};
use crate::graphql::sources::Source;
use crate::ids::{GlobalId, NodeType};
use crate::service::codes;
use crate::service::indicators::{self as service, Indicators};
use crate::service::statistics::{LiveKey, LiveMeasure};

/// Selects indicators. Each list given matches any of its values (an empty
/// list matches nothing); the conditions combine with AND.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IndicatorFilter {
    /// Figures with any of these keys.
    pub keys: Option<Vec<String>>,
    /// Figures for any of these years.
    pub years: Option<Vec<i32>>,
    /// Figures about any of these countries (ISO 3166-1 alpha-2 codes).
    pub country_codes: Option<Vec<String>>,
    /// Only worldwide figures (true) or only figures about one country (false).
    pub worldwide: Option<bool>,
}

impl IndicatorFilter {
    /// Checks the values and turns the input into the service's filter.
    pub fn validate(self) -> AppResult<service::IndicatorFilter> {
        if let Some(year) = self.years.iter().flatten().find(|year| !(1000..=9999).contains(*year)) {
            return Err(AppError::bad_input("filter.years", format!("{year} is not a four-digit year")));
        }
        Ok(service::IndicatorFilter {
            keys: self.keys,
            years: self.years,
            country_codes: self.country_codes.map(|c| codes::country_codes("filter.countryCodes", &c)).transpose()?,
            worldwide: self.worldwide,
        })
    }
}

/// A published figure, such as "at least 156 human rights defenders died in
/// detention or were killed in 2015".
pub struct Indicator(pub indicator::Model);

impl From<indicator::Model> for Indicator {
    fn from(model: indicator::Model) -> Self {
        Indicator(model)
    }
}

/// A published figure, such as "at least 156 human rights defenders died in
/// detention or were killed in 2015".
#[Object]
impl Indicator {
    /// Global id.
    pub async fn id(&self) -> ID {
        GlobalId::encode_uuid(NodeType::Indicator, self.0.id)
    }

    /// A stable machine name for what is measured, such as
    /// `defenders_killed_or_died_in_detention`; the same key across years and countries.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// The figure as the source states it.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The number.
    async fn value(&self) -> i64 {
        self.0.value
    }

    /// How precise the number is.
    async fn qualifier(&self) -> IndicatorQualifier {
        self.0.qualifier
    }

    /// What is counted, such as "human rights defenders" or "countries".
    async fn unit(&self) -> &str {
        &self.0.unit
    }

    /// The year the figure covers, where it covers one.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The country the figure is about; null for a worldwide figure.
    async fn country(&self, ctx: &Context<'_>) -> Result<Option<Country>> {
        match &self.0.country_code {
            Some(code) => country_by_code(ctx, code).await.map(Some),
            None => Ok(None),
        }
    }

    /// The source that publishes the figure.
    async fn source(&self, ctx: &Context<'_>) -> Result<Option<Source>> {
        let Some(id) = self.0.source_id else {
            return Ok(None);
        };
        Ok(RequestContext::of(ctx).record::<entity::source::Entity>(id).await?.map(Source))
    }

    /// The same figure counted live from the records the viewer may see,
    /// for comparison with the published value; null where the records have
    /// no equivalent measure. Records cover only the cases documented here,
    /// so the live count is usually lower than a worldwide published figure.
    async fn live_count(&self, ctx: &Context<'_>) -> Result<Option<LiveCount>> {
        let Some(measure) = LiveMeasure::of_key(&self.0.key) else { return Ok(None) };
        let key = LiveKey { measure, year: self.0.year, country: self.0.country_code.clone() };
        let count = RequestContext::of(ctx).loader.load_one(LiveCountOf(key)).await?.unwrap_or(0);
        Ok(Some(LiveCount { count, measure: measure.description() }))
    }

    /// Who may read the record.
    async fn visibility(&self) -> entity::Visibility {
        self.0.visibility
    }

    /// The organisation that contributed the record; null for reference data,
    /// or when the viewer may not see that organisation.
    async fn contributed_by(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::organisations::Organisation>> {
        let Some(id) = self.0.contributed_by_id else { return Ok(None) };
        Ok(RequestContext::of(ctx)
            .record::<entity::organisation::Entity>(id)
            .await?
            .map(crate::graphql::organisations::Organisation))
    }

    /// The record's version, raised by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the record was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A count computed from the records, beside a published figure.
#[derive(SimpleObject)]
pub struct LiveCount {
    /// How many there are in the records the viewer may see, for the indicator's year and country.
    count: i64,
    /// What is counted, such as "defenders with a KILLING or DEATH_IN_DETENTION case event".
    measure: &'static str,
}

connection!(
    /// A page of indicators.
    IndicatorConnection,
    /// An indicator in a page, with its cursor.
    IndicatorEdge,
    Indicator,
    indicator::Model
);

/// Entry points for indicators.
#[derive(Default)]
pub struct IndicatorsQuery;

#[Object]
impl IndicatorsQuery {
    /// Published figures, by key and then year.
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only figures matching this filter.")] filter: Option<IndicatorFilter>,
        #[graphql(desc = "Returns the first n elements: 20 unless given, at most 100.")] first: Option<i32>,
        #[graphql(desc = "Returns the elements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Returns the last n elements, at most 100.")] last: Option<i32>,
        #[graphql(desc = "Returns the elements before this cursor.")] before: Option<String>,
    ) -> Result<IndicatorConnection> {
        let filter = filter.unwrap_or_default().validate()?;
        let (page, total) =
            RequestContext::of(ctx).list::<Indicators>(filter, (), page_args(first, after, last, before)).await?;
        Ok(IndicatorConnection::new(page, total, None))
    }
}
