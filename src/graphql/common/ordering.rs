//! `orderBy` inputs. Every order ends with the record's id as tie-breaker, so
//! pages never skip or repeat records that share a sort value.

use async_graphql::{Enum, InputObject};

use crate::service::places::CountryOrder;
use crate::service::query::records::{RecordOrder, RecordSort};

/// A sort direction.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    /// Ascending: A to Z, oldest first.
    #[default]
    Asc,
    /// Descending: Z to A, newest first.
    Desc,
}

/// Declares an order input over shared records with its field enum.
macro_rules! record_order {
    (
        $(#[$doc:meta])* $input:ident, $(#[$field_doc:meta])* $field:ident {
            $($(#[$variant_doc:meta])* $variant:ident => $sort:ident),+ $(,)?
        }
    ) => {
        $(#[$field_doc])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $field {
            $($(#[$variant_doc])* $variant),+
        }

        $(#[$doc])*
        #[derive(InputObject, Clone, Copy, Debug)]
        pub struct $input {
            /// The field to order by.
            pub field: $field,
            /// The direction; ascending unless given.
            #[graphql(default)]
            pub direction: OrderDirection,
        }

        impl From<Option<$input>> for RecordOrder {
            fn from(order: Option<$input>) -> Self {
                order.map_or_else(RecordOrder::default, |order| RecordOrder {
                    field: match order.field {
                        $($field::$variant => RecordSort::$sort),+
                    },
                    descending: order.direction == OrderDirection::Desc,
                })
            }
        }
    };
}

record_order!(
    /// The order of a list of defenders; by name unless given.
    DefenderOrder,
    /// Fields defenders can be ordered by.
    DefenderOrderField {
        /// Name, ignoring case and accents.
        Name => Name,
        /// When the record was created.
        CreatedAt => CreatedAt,
        /// When the record was last changed.
        UpdatedAt => UpdatedAt,
    }
);

record_order!(
    /// The order of a list of restrictions; by title unless given.
    RestrictionOrder,
    /// Fields restrictions can be ordered by.
    RestrictionOrderField {
        /// Title, ignoring case and accents.
        Title => Name,
        /// Date of introduction; undated restrictions come first.
        IntroducedOn => Date,
        /// When the record was created.
        CreatedAt => CreatedAt,
        /// When the record was last changed.
        UpdatedAt => UpdatedAt,
    }
);

record_order!(
    /// The order of a list of campaigns; by title unless given.
    CampaignOrder,
    /// Fields campaigns can be ordered by.
    CampaignOrderField {
        /// Title, ignoring case and accents.
        Title => Name,
        /// Start date; undated campaigns come first.
        StartedOn => Date,
        /// When the record was created.
        CreatedAt => CreatedAt,
        /// When the record was last changed.
        UpdatedAt => UpdatedAt,
    }
);

record_order!(
    /// The order of a list of civic-space ratings; by country, then date, unless given.
    RatingOrder,
    /// Fields ratings can be ordered by.
    RatingOrderField {
        /// Country code, then date: each country's history in turn.
        Country => Name,
        /// The date the rating holds from.
        RatedOn => Date,
        /// When the record was created.
        CreatedAt => CreatedAt,
        /// When the record was last changed.
        UpdatedAt => UpdatedAt,
    }
);

record_order!(
    /// The order of a list of organisations; by name unless given.
    OrganisationOrder,
    /// Fields organisations can be ordered by.
    OrganisationOrderField {
        /// Name, ignoring case and accents.
        Name => Name,
        /// When the record was created.
        CreatedAt => CreatedAt,
        /// When the record was last changed.
        UpdatedAt => UpdatedAt,
    }
);

/// Fields countries can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountryOrderField {
    /// English short name, ignoring case and accents.
    Name,
    /// ISO 3166-1 alpha-2 code.
    Code,
}

/// The order of a list of countries; by name unless given.
#[derive(InputObject, Clone, Copy, Debug)]
#[graphql(name = "CountryOrder")]
pub struct CountryOrderInput {
    /// The field to order by.
    pub field: CountryOrderField,
    /// The direction; ascending unless given.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<Option<CountryOrderInput>> for CountryOrder {
    fn from(order: Option<CountryOrderInput>) -> Self {
        order.map_or_else(CountryOrder::default, |order| CountryOrder {
            by_code: order.field == CountryOrderField::Code,
            descending: order.direction == OrderDirection::Desc,
        })
    }
}
