//! Organisations.

pub mod edits;

use chrono::Utc;
use entity::{OrganisationKind, Visibility, organisation};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use sea_orm::{EntityTrait, IdenStatic, QueryFilter, Select};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::Viewer;
use crate::service::codes;
use crate::service::query::listing::{Listing, any_of, filtered, parent};
use crate::service::query::pagination::{ParentColumn, SortSpec};
use crate::service::query::records::{RecordOrder, record_spec};
use crate::service::text::sort_key;

/// A validated organisation filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrganisationFilter {
    pub country_codes: Option<Vec<String>>,
    pub kinds: Option<Vec<OrganisationKind>>,
}

/// Parents organisations are listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrganisationVia {
    /// Organisations based in a country.
    Country,
}

/// Organisations.
pub struct Organisations;

impl Listing for Organisations {
    type Entity = organisation::Entity;
    type Via = OrganisationVia;
    type Filter = OrganisationFilter;
    type Order = RecordOrder;

    fn spec(order: RecordOrder) -> SortSpec<organisation::Model> {
        record_spec::<organisation::Entity>(order)
    }

    fn select(viewer: &Viewer, filter: &OrganisationFilter) -> Select<organisation::Entity> {
        filtered(
            organisation::Entity::find().filter(viewer.can_see(organisation::Entity)),
            [
                any_of(organisation::Column::CountryCode, &filter.country_codes),
                any_of(organisation::Column::Kind, &filter.kinds),
            ],
        )
    }

    fn via(
        viewer: &Viewer,
        via: OrganisationVia,
        filter: &OrganisationFilter,
    ) -> (Select<organisation::Entity>, ParentColumn) {
        match via {
            OrganisationVia::Country => {
                (Self::select(viewer, filter), parent::<organisation::Entity>(organisation::Column::CountryCode))
            }
        }
    }
}

/// A new organisation, as an operator describes it.
#[derive(Clone, Debug)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub country: Option<String>,
    pub website: Option<String>,
    pub visibility: Visibility,
}

/// The longest name accepted.
const MAX_NAME: usize = 300;

/// Checks a website address: absolute, http or https.
pub fn website(argument: &str, text: &str) -> AppResult<String> {
    let url = url::Url::parse(text.trim()).map_err(|_| {
        AppError::bad_input(argument, format!("\"{text}\" is not a web address such as https://example.org"))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(AppError::bad_input(argument, format!("\"{text}\" must be an http or https address")));
    }
    Ok(url.to_string())
}

/// Creates a partner organisation. It is its own contributor, so it can see
/// and manage its record whatever its visibility.
pub async fn create<C: ConnectionTrait>(db: &C, new: NewOrganisation) -> AppResult<organisation::Model> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(AppError::bad_input("name", format!("must be 1 to {MAX_NAME} characters")));
    }
    let country = new.country.as_deref().map(|code| codes::country_code("country", code)).transpose()?;
    let website = new.website.as_deref().map(|text| website("website", text)).transpose()?;
    let id = Uuid::now_v7();
    let now = Utc::now();
    let created = organisation::ActiveModel {
        id: Set(id),
        sort_key: Set(sort_key(&name)),
        name: Set(name),
        acronym: Set(None),
        kind: Set(new.kind),
        country_code: Set(country),
        website: Set(website),
        summary: Set(None),
        contributed_by_id: Set(Some(id)),
        merged_into_id: Set(None),
        visibility: Set(new.visibility),
        version: Set(1),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    crate::service::duplicates::file_names(
        db,
        crate::service::duplicates::Mergeable::Organisation,
        id,
        &[created.name.as_str()],
        false,
    )
    .await?;
    crate::service::search::reindex(db, organisation::Entity.as_str(), id).await?;
    Ok(created)
}

/// A partner organisation by id, for operator commands acting for it.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no organisation has the id {id}")))
}
