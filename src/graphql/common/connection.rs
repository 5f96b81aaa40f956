//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo` and a
//! `totalCount` that is computed only when asked for.

use async_graphql::SimpleObject;

use crate::service::query::pagination::PageArgs;

/// Information about a page of a connection, for fetching the next or previous one.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether there are more elements after this page.
    pub has_next_page: bool,
    /// Whether there are more elements before this page.
    pub has_previous_page: bool,
    /// The cursor of the first element of this page; pass it as `before` to page backwards.
    pub start_cursor: Option<String>,
    /// The cursor of the last element of this page; pass it as `after` to page forwards.
    pub end_cursor: Option<String>,
}

/// Gathers the pagination arguments of a connection field.
pub fn page_args(first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> PageArgs {
    PageArgs { first, after, last, before }
}

/// Declares a connection type and its edge type over a node type that can be
/// built from a model with `From`. Extra tokens after `edge_fields` become
/// resolvers of the edge, which sees its parent key as `self.parent`, and the
/// past its parent was read at (`asOf`) as `self.past`.
macro_rules! connection {
    (
        $(#[$conn_doc:meta])* $conn:ident,
        $(#[$edge_doc:meta])* $edge:ident,
        $node:ident, $model:ty
        $(, edge_fields { $($edge_fields:tt)* })?
    ) => {
        $(#[$conn_doc])*
        pub struct $conn {
            edges: Vec<$edge>,
            has_next_page: bool,
            has_previous_page: bool,
            total: $crate::graphql::common::context::TotalCount,
        }

        impl $conn {
            /// Wraps a page of models and its total.
            #[allow(dead_code)]
            pub fn new(
                page: $crate::service::query::pagination::Page<$model>,
                total: $crate::graphql::common::context::TotalCount,
                parent: Option<$crate::service::query::pagination::ParentKey>,
            ) -> Self {
                let cursors = page.cursors;
                $conn {
                    edges: page
                        .items
                        .into_iter()
                        .map(|model| $edge {
                            node: $node::from(model),
                            cursors: cursors.clone(),
                            parent: parent.clone(),
                            past: None,
                        })
                        .collect(),
                    has_next_page: page.has_next_page,
                    has_previous_page: page.has_previous_page,
                    total,
                }
            }

            /// The edges of a list of links as they stood in `past` (their
            /// parent read with `asOf`).
            #[allow(dead_code)]
            pub fn in_past(mut self, past: std::sync::Arc<$crate::service::as_of::Past>) -> Self {
                for edge in &mut self.edges {
                    edge.past = Some(past.clone());
                }
                self
            }
        }

        $(#[$conn_doc])*
        #[async_graphql::Object]
        impl $conn {
            /// The elements of this page, each with its cursor.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            /// The elements of this page.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|edge| &edge.node).collect()
            }

            /// How to fetch the pages before and after this one.
            async fn page_info(&self) -> $crate::graphql::common::connection::PageInfo {
                $crate::graphql::common::connection::PageInfo {
                    has_next_page: self.has_next_page,
                    has_previous_page: self.has_previous_page,
                    start_cursor: self.edges.first().map(|edge| edge.cursors.of(&edge.node.0)),
                    end_cursor: self.edges.last().map(|edge| edge.cursors.of(&edge.node.0)),
                }
            }

            /// The number of elements in the whole list, across all pages.
            async fn total_count(&self) -> async_graphql::Result<u64> {
                (self.total)().await
            }
        }

        $(#[$edge_doc])*
        pub struct $edge {
            node: $node,
            cursors: $crate::service::query::pagination::Cursors<$model>,
            #[allow(dead_code)]
            parent: Option<$crate::service::query::pagination::ParentKey>,
            #[allow(dead_code)]
            past: Option<std::sync::Arc<$crate::service::as_of::Past>>,
        }

        $(#[$edge_doc])*
        #[async_graphql::Object]
        impl $edge {
            /// The element.
            async fn node(&self) -> &$node {
                &self.node
            }

            /// An opaque cursor for this element; pass it as `after` or `before`.
            async fn cursor(&self) -> String {
                self.cursors.of(&self.node.0)
            }

            $($($edge_fields)*)?
        }
    };
}

pub(crate) use connection;
